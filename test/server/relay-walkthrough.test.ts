/**
 * The README's relay walk-through, run verbatim with bash against `npm start`'s server: a ticket,
 * a session, a TOTP enrollment, a sign-in and a signed result. Its own file: it waits for a fresh
 * TOTP step, up to 30 seconds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  freePort,
  readmeBlock,
  root,
  runBash,
  startServer,
  stop,
  type Running,
} from '../helpers/server-process.ts';

describe('README relay walk-through', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-relay-walk-'));
  let port = 0;
  let server: Running;

  before(async () => {
    port = await freePort();
    server = await startServer({ PORT: String(port), MFA_DATA_DIR: dataDir });
  });
  after(async () => {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs the README's relay walk-through to a signed result", { timeout: 90_000 }, async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = readmeBlock(readme, 'relay walkthrough');
    assert.ok(block, 'README has a relay walk-through block');
    const result = await runBash(block, { PORT: String(port), MFA_DATA_DIR: dataDir });
    assert.equal(result.code, 0, `relay walk-through failed: ${result.stderr}\n${result.stdout}`);
    const [enrolled, activated, status, claims, kty] = result.stdout.trim().split('\n');
    assert.deepEqual([enrolled, activated, status, kty], ['false', 'ACTIVE', 'COMPLETED', 'EC']);
    const payload = JSON.parse(claims ?? '{}') as Record<string, unknown>;
    assert.match(String(payload.sub), /^ada-\d+$/);
    assert.deepEqual(payload.amr, ['otp', 'mfa']);
    assert.equal(payload.mfa_device_type, 'TOTP');
  });
});

// @ts-check
// Runs a real relay (test/wtr/relay-server.ts) next to the test runner and proxies `/mfa/*` and
// `/__test/*` from the test page's origin to it, so element tests talk to the relay exactly as an
// embedding page does: same origin, session cookie, CSRF header, real engine behind it.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port.mjs';

/**
 * @param {{ origin: string, root: string }} options
 */
export async function startRelay({ origin, root }) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-wtr-relay-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/wtr/relay-server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      MFA_DATA_DIR: dataDir,
      MFA_PUBLIC_ORIGIN: origin,
      MFA_ENGINE_ORIGINS: origin,
      MFA_ENGINE_RP_ID: 'localhost',
      MFA_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  /** @type {Promise<void>} */
  const ready = new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
      if (output.includes('relay ready')) resolve();
    });
    child.once('exit', (code) => {
      reject(
        new Error(`the test relay exited with ${String(code)} before it was ready:\n${output}`),
      );
    });
  });

  /** @type {import('@web/dev-server-core').Middleware} */
  const middleware = async (ctx, next) => {
    if (!ctx.path.startsWith('/mfa/') && !ctx.path.startsWith('/__test/')) return next();
    await ready;
    /** @type {Buffer[]} */
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(/** @type {Buffer} */ (chunk));
    const headers = new Headers();
    for (const [name, value] of Object.entries(ctx.request.headers)) {
      if (name === 'host' || name === 'connection' || value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await fetch(`http://127.0.0.1:${String(port)}${ctx.url}`, {
      method: ctx.method,
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      redirect: 'manual',
    });
    ctx.status = response.status;
    response.headers.forEach((value, name) => {
      if (name === 'set-cookie' || name === 'content-length' || name === 'content-encoding') return;
      ctx.set(name, value);
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) ctx.set('set-cookie', cookies);
    ctx.body = Buffer.from(await response.arrayBuffer());
  };

  return { middleware, ready, stop };
}

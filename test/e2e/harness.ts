/**
 * End-to-end harness: the demo server as `npm start` runs it (its own process, a free port, a
 * fresh data folder) and Chromium driven by playwright-core, with the checks every page gets:
 * CSP violations, console errors, axe, screenshots in both colour schemes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/prerequisites.mjs';
import type { Purpose } from '../../src/protocol/index.ts';
import { openRelayKeys } from '../../src/server/data-dir.ts';
import { signTicket } from '../../src/server/host-ticket.ts';
import { codeIn } from '../helpers/engine-harness.ts';
import { freePort, root, startServer, stop } from '../helpers/server-process.ts';

/** The browser `scripts/test.mjs` chose (`CHROME_PATH`), else one at a usual place. */
function chromePath(): string {
  const found = findChromium();
  assert.ok(
    found,
    'No Chromium found: set CHROME_PATH or install it (apt-get install -y chromium).',
  );
  return found;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromePath(), args: CHROMIUM_ARGS });
}

export interface DemoServer {
  /** `http://localhost:<port>`: the origin the relay, WebAuthn and the demo's checks expect. */
  url: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `demo/server.ts` on a free port with a fresh data folder; `env` adds variables. */
export async function startDemo(env: Record<string, string> = {}): Promise<DemoServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-e2e-'));
  // The defaults already agree: public origin, engine origins and rp id are localhost:<port>.
  const running = await startServer({ PORT: String(port), MFA_DATA_DIR: dataDir, ...env });
  return {
    url: `http://localhost:${port}`,
    dataDir,
    output: running.output,
    stop: async () => {
      await stop(running);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface DemoAndBrowser {
  readonly demo: DemoServer;
  readonly browser: Browser;
}

/**
 * Starts the demo and Chromium before the enclosing suite's tests and stops both after them. The
 * getters are for the tests: both exist once the suite's `before` ran.
 */
export function withDemoAndBrowser(): DemoAndBrowser {
  let started: { demo: DemoServer; browser: Browser } | undefined;
  before(async () => {
    const [demo, browser] = await Promise.all([startDemo(), launchBrowser()]);
    started = { demo, browser };
  });
  after(async () => {
    await started?.browser.close();
    await started?.demo.stop();
  });
  const running = () => {
    assert.ok(started, 'the demo and the browser start in the suite’s before()');
    return started;
  };
  return {
    get demo() {
      return running().demo;
    },
    get browser() {
      return running().browser;
    },
  };
}

export interface CspViolation {
  directive: string;
  blocked: string;
  sample: string;
  url: string;
}

interface Recorded {
  csp: CspViolation[];
  console: string[];
}
const recorded = new WeakMap<Page, Recorded>();

/**
 * A page in a new context with `colorScheme`, recording CSP violations (from an init script, so
 * every document reports) and console errors and uncaught exceptions.
 */
export async function newPage(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<Page> {
  const { colorScheme = 'light', viewport = { width: 1024, height: 800 } } = options;
  const context = await browser.newContext({ colorScheme, viewport });
  const page = await context.newPage();
  const log: Recorded = { csp: [], console: [] };
  recorded.set(page, log);
  await page.exposeFunction('__mfaE2eCsp', (violation: CspViolation) => {
    log.csp.push(violation);
  });
  await page.addInitScript(() => {
    const report = (window as unknown as { __mfaE2eCsp: (v: unknown) => void }).__mfaE2eCsp;
    document.addEventListener('securitypolicyviolation', (event) => {
      report({
        directive: event.violatedDirective,
        blocked: event.blockedURI,
        sample: event.sample,
        url: event.documentURI,
      });
    });
  });
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location().url;
      log.console.push(where ? `${message.text()} (${where})` : message.text());
    }
  });
  page.on('pageerror', (error) => {
    log.console.push(`uncaught: ${error.message}`);
  });
  return page;
}

/** CSP violations the page's documents reported since it opened or `clearRecords`. */
export function cspViolations(page: Page): CspViolation[] {
  return [...(recorded.get(page)?.csp ?? [])];
}

/** Console errors and uncaught exceptions since the page opened or `clearRecords`. */
export function consoleErrors(page: Page): string[] {
  return [...(recorded.get(page)?.console ?? [])];
}

/** Forgets what was recorded so far, so the next check sees only what follows. */
export function clearRecords(page: Page): void {
  const log = recorded.get(page);
  if (log) {
    log.csp.length = 0;
    log.console.length = 0;
  }
}

/**
 * No CSP violation and no console error since the page opened or the last check; `expected`
 * console errors (an error status the test caused on purpose) are allowed.
 */
export function assertCleanRecords(page: Page, name: string, expected: RegExp[] = []): void {
  assert.deepEqual(cspViolations(page), [], `${name}: CSP violations`);
  const errors = consoleErrors(page).filter(
    (text) => !expected.some((allowed) => allowed.test(text)),
  );
  assert.deepEqual(errors, [], `${name}: console errors`);
}

/**
 * axe finds nothing on the page and `assertCleanRecords` holds; then the records are cleared so
 * the next check sees only what follows.
 */
export async function assertCleanPage(
  page: Page,
  name: string,
  expected: RegExp[] = [],
): Promise<void> {
  const axe = await runAxe(page);
  assert.deepEqual(axe, [], `${name}: axe violations`);
  assertCleanRecords(page, name, expected);
  clearRecords(page);
}

export interface VirtualAuthenticator {
  id: string;
  /** Credentials the authenticator holds. */
  credentials(): Promise<{ credentialId: string; rpId?: string; isResidentCredential: boolean }[]>;
  /** Whether the next ceremonies verify the user. */
  setUserVerified(verified: boolean): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A CTAP2 virtual authenticator on `page` over DevTools: `internal` acts as a platform
 * authenticator (passkey), `usb` as a security key. It lives as long as the page, across
 * navigations; without one, `navigator.credentials` never settles in headless Chromium.
 */
export async function addVirtualAuthenticator(
  page: Page,
  options: {
    transport: 'internal' | 'usb';
    hasResidentKey?: boolean;
    hasUserVerification?: boolean;
    isUserVerified?: boolean;
  },
): Promise<VirtualAuthenticator> {
  const {
    transport,
    hasResidentKey = true,
    hasUserVerification = true,
    isUserVerified = true,
  } = options;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport,
      hasResidentKey,
      hasUserVerification,
      isUserVerified,
      automaticPresenceSimulation: true,
    },
  });
  return {
    id: authenticatorId,
    credentials: async () =>
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    setUserVerified: async (verified) => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: verified });
    },
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await cdp.detach();
    },
  };
}

export interface OutboxEntry {
  id: string;
  channel: string;
  to: string;
  text: string;
  createdAt: string;
}

/** The demo's outbox, newest first. */
export async function outbox(url: string): Promise<OutboxEntry[]> {
  const res = await fetch(`${url}/outbox.json`);
  assert.equal(res.status, 200, 'the outbox answers');
  return ((await res.json()) as { messages: OutboxEntry[] }).messages;
}

/** The newest outbox message to `recipient`. */
async function latestMessage(url: string, recipient: string): Promise<OutboxEntry | undefined> {
  return (await outbox(url)).find((entry) => entry.to === recipient);
}

/** The id of the newest outbox message to `recipient`, to wait for a newer one. */
export async function latestMessageId(url: string, recipient: string): Promise<string | undefined> {
  return (await latestMessage(url, recipient))?.id;
}

/** The channel of the newest outbox message to `recipient`. */
export async function latestChannel(url: string, recipient: string): Promise<string | undefined> {
  return (await latestMessage(url, recipient))?.channel;
}

/**
 * The code in the newest message to `recipient` (a phone in E.164 or an email), waiting up to
 * `timeoutMs` for one newer than message id `after`.
 */
export async function outboxCode(
  url: string,
  recipient: string,
  options: { after?: string; timeoutMs?: number } = {},
): Promise<string> {
  const { after, timeoutMs = 5000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = await latestMessage(url, recipient);
    if (
      message &&
      message.id !== after &&
      (after === undefined || Number(message.id) > Number(after))
    ) {
      return codeIn(message.text, recipient);
    }
    assert.ok(Date.now() < deadline, `no message to ${recipient} arrived in the outbox`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A ticket signed with the demo's own ticket secret, as the host signs it after a password. */
export function ticketFor(demo: DemoServer, sub: string, purpose: Purpose): Promise<string> {
  return signTicket({
    secret: openRelayKeys(demo.dataDir).ticketSecret,
    sub,
    purpose,
    audience: 'mfa-elements',
    issuer: demo.url,
  });
}

/** A relay session from Node: keeps the session cookie across calls (it rotates on MFA). */
export class RelaySession {
  private cookies = new Map<string, string>();

  constructor(private readonly demo: DemoServer) {}

  async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.demo.url}/mfa/v1${path}`, {
      method,
      headers: {
        origin: this.demo.url,
        'x-mfa-csrf': '1',
        'content-type': 'application/json',
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const at = pair.indexOf('=');
      if (at > 0) this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  }
}

/**
 * Starts enrolling an email device for `sub` through the relay's HTTP API, from Node: the engine
 * delivers a pairing code to `email`'s outbox.
 */
export async function deliverEmailCode(
  demo: DemoServer,
  sub: string,
  email: string,
): Promise<void> {
  const relay = new RelaySession(demo);
  const session = await relay.call('POST', '/session', {
    ticket: await ticketFor(demo, sub, 'enroll'),
  });
  assert.equal(session.status, 201, await session.text());
  const device = await relay.call('POST', '/devices', { type: 'EMAIL', email });
  assert.equal(device.status, 201, await device.text());
}

/** Submits the demo's password form and waits for the `/mfa` page (or the refusal). */
export async function passwordLogin(
  page: Page,
  url: string,
  username: string,
  password = 'demo',
): Promise<void> {
  await page.goto(`${url}/`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL(password === 'demo' ? `${url}/mfa` : `${url}/login`),
    page.click('form button[type=submit]'),
  ]);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/**
 * axe-core's violations on the page (WCAG 2.x A and AA, best practices). The source goes in with
 * `evaluate`, which the page's CSP does not govern.
 */
export async function runAxe(
  page: Page,
  options: { include?: string } = {},
): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async (include) => {
    interface AxeResult {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: unknown[] }[];
      }[];
    }
    const axe = (
      window as unknown as {
        axe: { run(context: unknown, options: unknown): Promise<AxeResult> };
      }
    ).axe;
    const result = await axe.run(include ?? document, {
      resultTypes: ['violations'],
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  }, options.include);
}

export const SCREENSHOT_DIR = join(root, 'test-output', 'screenshots');

/** Saves a full-page screenshot as `test-output/screenshots/<name>-<light|dark>.png`. */
export async function screenshot(page: Page, name: string): Promise<Buffer> {
  const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return page.screenshot({
    path: join(SCREENSHOT_DIR, `${name}-${dark ? 'dark' : 'light'}.png`),
    fullPage: true,
  });
}

/** The texts of the QR codes in a PNG, decoded with `zbarimg` (Debian's zbar-tools). */
export async function decodeQr(png: Buffer): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-qr-'));
  const file = join(dir, 'qr.png');
  writeFileSync(file, png);
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('zbarimg', ['--nodbus', '--raw', '-q', file], (error, out) => {
        // zbarimg exits with 4 when it finds no code.
        if (error && error.code !== 4) reject(new Error(`zbarimg failed: ${error.message}`));
        else resolve(out);
      });
    });
    return stdout.split('\n').filter((line) => line !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// @ts-check
// Browser tests in real Chromium: `node scripts/test.mjs --suite browser` (or `npm run test:browser`).
// Element tests (src/elements/**/*.test.ts) and any *.browser.test.ts run as ES modules served by
// the dev server; TypeScript goes through esbuild, CommonJS dependencies are pre-bundled.

import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher, defaultReporter } from '@web/test-runner';
import { CHROMIUM_ARGS, ensureChromium } from './scripts/prerequisites.mjs';
import { freePort } from './test/helpers/free-port.mjs';
import { countReporter } from './test/wtr/count-reporter.mjs';
import { prebundlePlugin } from './test/wtr/prebundle-plugin.mjs';
import { webauthnPlugin } from './test/wtr/webauthn-plugin.mjs';
import { startRelay } from './test/wtr/relay-plugin.mjs';

const countsFile = process.env.MFA_WTR_COUNTS;

// Element tests talk to a real relay (and the embedded engine behind it) through this origin.
const port = await freePort();
const relay = await startRelay({
  origin: `http://localhost:${String(port)}`,
  root: fileURLToPath(new URL('.', import.meta.url)),
});

/** @type {import('@web/test-runner').TestRunnerConfig} */
export default {
  files: [
    'src/elements/**/*.test.ts',
    '**/*.browser.test.ts',
    '!**/node_modules/**',
    '!dist/**',
    '!demo/.build/**',
  ],
  port,
  hostname: 'localhost',
  nodeResolve: true,
  middleware: [relay.middleware],
  // Two cores: more pages at once only make each test slower.
  concurrency: 2,
  concurrentBrowsers: 1,
  testsFinishTimeout: 120_000,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: ensureChromium(),
        headless: true,
        args: CHROMIUM_ARGS,
      },
      // Chromium refuses WebAuthn in a tab that lacks focus, and only one tab of a window has it;
      // test files run side by side, so each page gets its own window, and its own browser
      // context so that two files never share the relay's session cookie.
      createPage: async ({ browser }) => {
        const isolated = await browser.createBrowserContext();
        return isolated.newPage({ type: 'window' });
      },
    }),
  ],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    prebundlePlugin(),
    webauthnPlugin(),
    {
      name: 'relay',
      serverStop() {
        relay.stop();
      },
    },
  ],
  testFramework: {
    // A forgotten virtual authenticator leaves WebAuthn calls pending forever: fail fast.
    config: { timeout: 5000 },
  },
  reporters: countsFile
    ? [defaultReporter(), countReporter({ file: countsFile })]
    : [defaultReporter()],
};

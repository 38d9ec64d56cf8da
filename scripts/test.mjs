#!/usr/bin/env node
// Single entry point of `npm test`.
//
// Runs every test suite of the project one after the other, prints each
// suite's own output, a per-suite summary line, and finally exactly one line
//
//   N passed, N failed
//
// as the very last line of output. Exits non-zero if anything failed or if no
// test ran at all.
//
// Usage:
//   node scripts/test.mjs                     run all suites
//   node scripts/test.mjs --suite node        run only the named suite(s) (repeatable):
//                                             node, browser (Chromium), e2e
//   node scripts/test.mjs --suite node src/engine/foo.test.ts
//                                             only test files whose path contains an argument
//   node scripts/test.mjs --test-name-pattern=totp
//                                             `--test-*` flags are passed on to node:test
//   node scripts/test.mjs --root <dir>        run against another project root (self-tests)
//
// Adding a suite: append an entry to `SUITES` below. An entry has a `name`, a
// `command(ctx)` returning the process to spawn (or a string explaining why
// there is nothing to run), and `counts(ctx, run)` returning how many tests
// passed and failed once that process has exited.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureChromium, ensureProgram } from './prerequisites.mjs';

const scriptDir = dirname(fileURLToPath(import.meta.url));

/**
 * @typedef {{ passed: number, failed: number, skipped?: number, todo?: number, failures?: string[] }} Counts
 * @typedef {{ cmd: string, args: string[], env?: Record<string, string>, detail?: string }} Command
 * @typedef {{ code: number | null, signal: string | null }} RunResult
 * @typedef {{
 *   root: string,
 *   tmp: string,
 *   concurrency: number,
 *   filters: string[],
 *   passThrough: string[],
 * }} Context
 * @typedef {{
 *   name: string,
 *   command: (ctx: Context) => Command | string,
 *   counts: (ctx: Context, run: RunResult) => Counts,
 * }} Suite
 */

// ---------------------------------------------------------------------------
// File discovery (Node 20's `--test` does not expand globs, so walk the tree).

const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', 'test-output', '.mfa-data', '.git']);

/**
 * All files under `dir` (recursively) whose path relative to `root` satisfies `accept`.
 * @param {string} root
 * @param {string} dir
 * @param {(rel: string) => boolean} accept
 * @returns {string[]} paths relative to root, with forward slashes
 */
function walk(root, dir, accept) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...walk(root, rel, accept));
    } else if (entry.isFile() && accept(rel)) {
      out.push(rel);
    }
  }
  return out;
}

/**
 * Test files of the Node suite: src/**\/*.test.ts and test/**\/*.test.ts, except those the
 * browser suites own: src/elements/** (browser tests), **\/*.browser.test.ts and test/e2e/**.
 * @param {string} root
 */
export function nodeTestFiles(root) {
  /** @param {string} rel */
  const accept = (rel) =>
    rel.endsWith('.test.ts') &&
    !rel.endsWith('.browser.test.ts') &&
    !rel.startsWith('src/elements/') &&
    !rel.startsWith('test/e2e/');
  return [...walk(root, 'src', accept), ...walk(root, 'test', accept)].sort();
}

/**
 * Test files of the browser suite (run in Chromium by the test runner, see
 * web-test-runner.config.mjs): src/elements/**\/*.test.ts and **\/*.browser.test.ts.
 * @param {string} root
 */
export function browserTestFiles(root) {
  /** @param {string} rel */
  const accept = (rel) =>
    rel.endsWith('.browser.test.ts') ||
    (rel.startsWith('src/elements/') && rel.endsWith('.test.ts'));
  const files = new Set(['src', 'test', 'demo'].flatMap((dir) => walk(root, dir, accept)));
  return [...files].sort();
}

/**
 * Test files of the end-to-end suite: test/e2e/**\/*.test.ts (Node tests that start servers and
 * drive Chromium).
 * @param {string} root
 */
export function e2eTestFiles(root) {
  /** @param {string} rel */
  const accept = (rel) => rel.endsWith('.test.ts') && !rel.endsWith('.browser.test.ts');
  return walk(root, 'test/e2e', accept).sort();
}

/**
 * @param {string[]} files
 * @param {string[]} filters
 */
function applyFilters(files, filters) {
  if (filters.length === 0) return files;
  const wanted = filters.map((f) => f.split(sep).join('/').replace(/^\.\//, ''));
  return files.filter((file) => wanted.some((w) => file.includes(w)));
}

// ---------------------------------------------------------------------------
// Suites.

/** @type {Suite[]} */
const SUITES = [
  {
    name: 'node',
    command(ctx) {
      const files = applyFilters(nodeTestFiles(ctx.root), ctx.filters);
      if (files.length === 0) {
        return 'no test files found (src/**/*.test.ts, test/**/*.test.ts)';
      }
      // The relay's Redis-backed stores and rate limits are tested against a real server.
      ensureProgram('redis-server', 'redis-server');
      return {
        cmd: process.execPath,
        args: [
          '--import',
          import.meta.resolve('tsx'),
          '--test',
          `--test-concurrency=${ctx.concurrency}`,
          '--test-timeout=60000',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          `--test-reporter=${pathToFileURL(join(scriptDir, 'count-reporter.mjs')).href}`,
          `--test-reporter-destination=${join(ctx.tmp, 'node-counts.json')}`,
          ...ctx.passThrough,
          ...files,
        ],
        detail: `${files.length} file${files.length === 1 ? '' : 's'}`,
      };
    },
    counts(ctx) {
      return readJsonCounts(join(ctx.tmp, 'node-counts.json'));
    },
  },
  {
    name: 'browser',
    command(ctx) {
      const files = applyFilters(browserTestFiles(ctx.root), ctx.filters);
      if (files.length === 0) {
        return 'no browser test files found (src/elements/**/*.test.ts, **/*.browser.test.ts)';
      }
      const config = join(ctx.root, 'web-test-runner.config.mjs');
      if (!existsSync(config)) return 'no web-test-runner.config.mjs in the project root';
      const chrome = ensureChromium();
      return {
        cmd: process.execPath,
        args: [
          // The package exports no bin subpath; the CLI sits beside its ESM entry.
          join(dirname(fileURLToPath(import.meta.resolve('@web/test-runner'))), 'dist', 'bin.js'),
          '--config',
          config,
          ...files,
        ],
        env: { CHROME_PATH: chrome, MFA_WTR_COUNTS: join(ctx.tmp, 'browser-counts.json') },
        detail: `${files.length} file${files.length === 1 ? '' : 's'} in Chromium`,
      };
    },
    counts(ctx) {
      return readJsonCounts(join(ctx.tmp, 'browser-counts.json'));
    },
  },
  {
    name: 'e2e',
    command(ctx) {
      const files = applyFilters(e2eTestFiles(ctx.root), ctx.filters);
      if (files.length === 0) return 'no end-to-end test files found (test/e2e/**/*.test.ts)';
      // The end-to-end tests start the application as `npm start` does.
      if (!hasStartScript(ctx.root)) return 'no "start" script in package.json to test end to end';
      const chrome = ensureChromium();
      // The enrollment tests read the QR code back from a screenshot.
      if (!ensureProgram('zbarimg', 'zbar-tools')) throw new Error('zbarimg is missing');
      return {
        cmd: process.execPath,
        args: [
          '--import',
          import.meta.resolve('tsx'),
          '--test',
          // Each file starts its own servers and browser: one at a time on a small machine.
          '--test-concurrency=1',
          '--test-timeout=180000',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          `--test-reporter=${pathToFileURL(join(scriptDir, 'count-reporter.mjs')).href}`,
          `--test-reporter-destination=${join(ctx.tmp, 'e2e-counts.json')}`,
          ...ctx.passThrough,
          ...files,
        ],
        env: { CHROME_PATH: chrome },
        detail: `${files.length} file${files.length === 1 ? '' : 's'}`,
      };
    },
    counts(ctx) {
      return readJsonCounts(join(ctx.tmp, 'e2e-counts.json'));
    },
  },
];

/** @param {string} root */
function hasStartScript(root) {
  try {
    /** @type {{ scripts?: Record<string, string> }} */
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    return typeof pkg.scripts?.start === 'string';
  } catch {
    return false;
  }
}

/**
 * @param {string} file
 * @returns {Counts}
 */
function readJsonCounts(file) {
  if (!existsSync(file)) {
    return { passed: 0, failed: 1, failures: [`no results were written to ${file}`] };
  }
  try {
    /** @type {Counts} */
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    return parsed;
  } catch (error) {
    return { passed: 0, failed: 1, failures: [`unreadable results in ${file}: ${String(error)}`] };
  }
}

// ---------------------------------------------------------------------------
// Runner.

/**
 * @param {string[]} argv
 */
function parseArgs(argv) {
  /** @type {string[]} */
  const suites = [];
  /** @type {string[]} */
  const filters = [];
  /** @type {string[]} */
  const passThrough = [];
  let root = resolve(scriptDir, '..');
  for (let i = 0; i < argv.length; i += 1) {
    const arg = /** @type {string} */ (argv[i]);
    if (arg === '--suite' || arg === '--root') {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      i += 1;
      if (arg === '--suite') suites.push(...value.split(','));
      else root = resolve(value);
    } else if (arg.startsWith('--suite=')) {
      suites.push(...arg.slice('--suite='.length).split(','));
    } else if (arg.startsWith('--root=')) {
      root = resolve(arg.slice('--root='.length));
    } else if (arg.startsWith('--test-')) {
      passThrough.push(arg);
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}`);
    } else {
      filters.push(arg);
    }
  }
  return { suites, filters, passThrough, root };
}

/** Set when SIGINT/SIGTERM arrives: the running suite is stopped and no further suite starts. */
let interrupted = false;

/**
 * @param {Command} command
 * @param {string} cwd
 * @returns {Promise<RunResult>}
 */
function run(command, cwd) {
  /** @type {Record<string, string | undefined>} */
  const env = { ...process.env, ...command.env };
  // If this script itself runs under `node --test` (see scripts/test.test.mjs), the inherited
  // marker would make the nested runner speak the child protocol instead of reporting.
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolveRun) => {
    const child = spawn(command.cmd, command.args, { cwd, stdio: 'inherit', env });
    /** @param {NodeJS.Signals} signal */
    const forward = (signal) => {
      interrupted = true;
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', () => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    });
    child.on('error', (error) => {
      console.error(`failed to start ${command.cmd}: ${error.message}`);
      resolveRun({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => {
      resolveRun({ code, signal });
    });
  });
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`scripts/test.mjs: ${error instanceof Error ? error.message : String(error)}`);
    console.log('0 passed, 0 failed');
    process.exitCode = 2;
    return;
  }

  const unknown = options.suites.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown suite(s): ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`,
    );
    console.log('0 passed, 0 failed');
    process.exitCode = 2;
    return;
  }
  const selected =
    options.suites.length === 0 ? SUITES : SUITES.filter((s) => options.suites.includes(s.name));

  const tmp = mkdtempSync(join(tmpdir(), 'mfa-tests-'));
  /** @type {Context} */
  const ctx = {
    root: options.root,
    tmp,
    concurrency: Math.max(1, availableParallelism()),
    filters: options.filters,
    passThrough: options.passThrough,
  };

  /** @type {{ name: string, line: string, counts: Counts }[]} */
  const results = [];
  try {
    for (const suite of selected) {
      if (interrupted) {
        results.push({
          name: suite.name,
          line: 'not run (interrupted)',
          counts: { passed: 0, failed: 1, failures: ['interrupted before this suite ran'] },
        });
        continue;
      }
      let command;
      try {
        command = suite.command(ctx);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`[${suite.name}] could not start: ${message}`);
        results.push({
          name: suite.name,
          line: 'could not start',
          counts: { passed: 0, failed: 1, failures: [`could not start: ${message}`] },
        });
        continue;
      }
      if (typeof command === 'string') {
        console.log(`\n[${suite.name}] skipped: ${command}`);
        results.push({
          name: suite.name,
          line: `skipped: ${command}`,
          counts: { passed: 0, failed: 0 },
        });
        continue;
      }
      console.log(`\n=== ${suite.name} suite (${command.detail ?? command.cmd}) ===\n`);
      const started = Date.now();
      const result = await run(command, ctx.root);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const counts = { ...suite.counts(ctx, result) };
      counts.failures = [...(counts.failures ?? [])];
      if (result.code !== 0 && counts.failed === 0) {
        // The process failed but no failing test was reported: still a failure.
        counts.failed = 1;
        counts.failures.push(
          `${suite.name} suite exited with ${result.signal ? `signal ${result.signal}` : `code ${String(result.code)}`} but reported no failing test`,
        );
      }
      const extra = [
        counts.skipped ? `${counts.skipped} skipped` : '',
        counts.todo ? `${counts.todo} todo` : '',
      ].filter(Boolean);
      const line = `${counts.passed} passed, ${counts.failed} failed${extra.length ? `, ${extra.join(', ')}` : ''} (${command.detail ? `${command.detail}, ` : ''}${seconds}s)`;
      results.push({ name: suite.name, line, counts });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  let passed = 0;
  let failed = 0;
  console.log('\n=== summary ===');
  for (const { name, line, counts } of results) {
    passed += counts.passed;
    failed += counts.failed;
    console.log(`[${name}] ${line}`);
    for (const failure of counts.failures ?? []) console.log(`  ✖ ${failure}`);
  }
  if (passed + failed === 0) {
    console.log('no tests ran: nothing to test is treated as a failure');
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed + failed === 0 ? 1 : 0;
}

// Only run when executed directly, so helpers can be imported by self-tests.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}

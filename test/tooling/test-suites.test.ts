import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { TestSession } from '@web/test-runner';
import { browserTestFiles, e2eTestFiles, nodeTestFiles } from '../../scripts/test.mjs';
import { countSessions } from '../wtr/count-reporter.mjs';
import { commonJsExportNames } from '../wtr/prebundle-plugin.mjs';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'suites-'));
  roots.push(root);
  for (const rel of files) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), '');
  }
  return root;
}

describe('scripts/test.mjs: which suite runs which file', () => {
  const root = tree([
    'src/engine/a.test.ts',
    'src/elements/mfa-x/mfa-x.test.ts',
    'src/elements/mfa-x/mfa-x.ts',
    'src/flows/b.test.ts',
    'src/flows/c.browser.test.ts',
    'test/browser/harness.browser.test.ts',
    'test/e2e/signin.test.ts',
    'test/e2e/helpers.ts',
    'test/relay/e2e.test.ts',
    'demo/app/d.browser.test.ts',
    'node_modules/pkg/x.browser.test.ts',
  ]);

  test('node: src/** and test/** except elements, *.browser.test.ts and test/e2e', () => {
    assert.deepEqual(nodeTestFiles(root), [
      'src/engine/a.test.ts',
      'src/flows/b.test.ts',
      'test/relay/e2e.test.ts',
    ]);
  });

  test('browser: element tests and every *.browser.test.ts outside node_modules', () => {
    assert.deepEqual(browserTestFiles(root), [
      'demo/app/d.browser.test.ts',
      'src/elements/mfa-x/mfa-x.test.ts',
      'src/flows/c.browser.test.ts',
      'test/browser/harness.browser.test.ts',
    ]);
  });

  test('e2e: test/e2e/**/*.test.ts', () => {
    assert.deepEqual(e2eTestFiles(root), ['test/e2e/signin.test.ts']);
  });
});

describe('test/wtr/count-reporter.mjs', () => {
  const session = (overrides: Partial<TestSession>): TestSession =>
    ({
      testFile: join(process.cwd(), 'src/elements/mfa-x/mfa-x.test.ts'),
      passed: true,
      errors: [],
      status: 'FINISHED',
      ...overrides,
    }) as TestSession;

  test('counts leaf tests and names failures with their suites', () => {
    const counts = countSessions([
      session({
        passed: false,
        testResults: {
          name: '',
          tests: [{ name: 'top', passed: true, skipped: false }],
          suites: [
            {
              name: 'group',
              suites: [],
              tests: [
                { name: 'ok', passed: true, skipped: false },
                { name: 'bad', passed: false, skipped: false, error: { message: 'boom\nstack' } },
                { name: 'later', passed: false, skipped: true },
              ],
            },
          ],
        },
      }),
    ]);
    assert.deepEqual(counts, {
      passed: 2,
      failed: 1,
      skipped: 1,
      failures: ['src/elements/mfa-x/mfa-x.test.ts: group > bad: boom'],
    });
  });

  test('a file that failed or did not finish without a failing test counts once', () => {
    const counts = countSessions([
      session({ passed: false, errors: [{ message: 'Could not import your test module.' }] }),
      session({ passed: undefined, status: 'STARTED' }),
    ]);
    assert.equal(counts.failed, 2);
    assert.deepEqual(counts.failures, [
      'src/elements/mfa-x/mfa-x.test.ts: (file) Could not import your test module.',
      'src/elements/mfa-x/mfa-x.test.ts: (file) did not finish (STARTED)',
    ]);
  });
});

describe('test/wtr/prebundle-plugin.mjs', () => {
  test('finds the names a CommonJS module assigns to exports', () => {
    const source = [
      'exports.create = function create () {}',
      'module.exports.toString = render',
      'if (exports.create === undefined) {}',
      'something.exports.nope = 1',
      'exports.__esModule = true',
    ].join('\n');
    assert.deepEqual(commonJsExportNames(source), ['create', 'toString']);
  });
});

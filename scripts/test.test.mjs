// Self-tests for scripts/test.mjs and scripts/count-reporter.mjs.
// Not part of `npm test` (that would change the project's counts); run with:
//   node --test scripts/test.test.mjs
//
// Each case builds a throwaway project root in the OS temp dir, runs
// `node scripts/test.mjs --root <dir>` against it and checks the final line and exit code.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { nodeTestFiles } from './test.mjs';

const script = join(dirname(fileURLToPath(import.meta.url)), 'test.mjs');
/** @type {string[]} */
const roots = [];

after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** @param {Record<string, string>} files relative path -> content */
function fixture(files) {
  const root = mkdtempSync(join(tmpdir(), 'test-mjs-selftest-'));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

/** @param {string} root */
function runAll(root) {
  const result = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
  const lines = result.stdout.trimEnd().split('\n');
  return { status: result.status, last: lines.at(-1), stdout: result.stdout };
}

const HEADER = "import { describe, it, test, before, after } from 'node:test';\n";

const PASSING = `${HEADER}
test('top 1', () => {});
test('top 2', () => {});
describe('group', () => {
  it('nested 1', () => {});
  it('nested 2', () => {});
});
`;

describe('scripts/test.mjs', () => {
  test('counts leaf tests only: 2 top-level + 2 inside describe', () => {
    const r = runAll(fixture({ 'test/a.test.ts': PASSING }));
    assert.equal(r.last, '4 passed, 0 failed', r.stdout);
    assert.equal(r.status, 0);
  });

  test('a failing test makes the run fail', () => {
    const r = runAll(
      fixture({
        'test/a.test.ts': PASSING.replace(
          "it('nested 2', () => {});",
          "it('nested 2', () => { throw new Error('boom'); });",
        ),
      }),
    );
    assert.equal(r.last, '3 passed, 1 failed', r.stdout);
    assert.notEqual(r.status, 0);
  });

  test('no test files: 0 passed, 0 failed and a non-zero exit', () => {
    const r = runAll(fixture({ 'src/not-a-test.ts': 'export const x = 1;\n' }));
    assert.equal(r.last, '0 passed, 0 failed', r.stdout);
    assert.equal(r.status, 1);
  });

  test('collects src/** and test/**, skipping test/e2e/** and *.browser.test.ts', () => {
    const root = fixture({
      'src/deep/er/x.test.ts': `${HEADER}test('x', () => {});\n`,
      'test/y.test.ts': `${HEADER}test('y', () => {});\n`,
      'test/e2e/z.test.ts': `${HEADER}test('z', () => { throw new Error('must not run'); });\n`,
      'src/w.browser.test.ts': `${HEADER}test('w', () => { throw new Error('must not run'); });\n`,
      'other/v.test.ts': `${HEADER}test('v', () => { throw new Error('must not run'); });\n`,
    });
    assert.deepEqual(nodeTestFiles(root), ['src/deep/er/x.test.ts', 'test/y.test.ts']);
    const r = runAll(root);
    assert.equal(r.last, '2 passed, 0 failed', r.stdout);
    assert.equal(r.status, 0);
  });

  test('skips, todos, subtests, hook failures, crashes and load errors', () => {
    const r = runAll(
      fixture({
        // 1 pass; skip and todo are not counted as passed or failed.
        'test/skip.test.ts': `${HEADER}
test('ok', () => {});
test.skip('skipped', () => {});
test.todo('todo', () => { throw new Error('not yet'); });
`,
        // t.test() subtests: the 2 subtests count, the parent does not.
        'test/sub.test.ts': `${HEADER}
test('parent', async (t) => {
  await t.test('sub 1', () => {});
  await t.test('sub 2', () => {});
});
`,
        // before hook throws: both tests are cancelled -> 2 failed, suite not counted again.
        'test/before.test.ts': `${HEADER}
describe('s', () => {
  before(() => { throw new Error('setup'); });
  it('a', () => {});
  it('b', () => {});
});
`,
        // after hook throws once the tests passed: 1 pass + 1 failure for the suite.
        'test/after.test.ts': `${HEADER}
describe('s', () => {
  after(() => { throw new Error('teardown'); });
  it('a', () => {});
});
`,
        // file does not even load: 1 failure.
        'test/broken.test.ts': 'this is not typescript (\n',
        // process exits before reporting: 1 failure.
        'test/exit.test.ts': `${HEADER}test('never reported', () => {});\nprocess.exit(3);\n`,
      }),
    );
    assert.equal(r.last, '4 passed, 5 failed', r.stdout);
    assert.notEqual(r.status, 0);
  });
});

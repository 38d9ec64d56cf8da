// @ts-check
// Test-runner reporter that writes the counts scripts/test.mjs adds to its final line:
//
//   { "passed": 4, "failed": 1, "skipped": 0, "failures": ["src/x.test.ts: group > case: message"] }
//
// Only leaf tests count. A test file whose session failed without a failing test (it did not
// load, a hook threw, the browser crashed or the file timed out) counts as one failure.

import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * @typedef {import('@web/test-runner').TestSession} TestSession
 * @typedef {import('@web/test-runner').TestSuiteResult} TestSuiteResult
 * @typedef {{ passed: number, failed: number, skipped: number, failures: string[] }} Counts
 */

/**
 * @param {readonly TestSession[]} sessions
 * @param {string} [cwd]
 * @returns {Counts}
 */
export function countSessions(sessions, cwd = process.cwd()) {
  /** @type {Counts} */
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const session of sessions) {
    const file = relative(cwd, session.testFile);
    const failedBefore = counts.failed;
    /**
     * @param {TestSuiteResult} suite
     * @param {string[]} path
     */
    const visit = (suite, path) => {
      for (const test of suite.tests) {
        if (test.skipped) counts.skipped += 1;
        else if (test.passed) counts.passed += 1;
        else {
          counts.failed += 1;
          const reason = test.error?.message ? `: ${firstLine(test.error.message)}` : '';
          counts.failures.push(`${file}: ${[...path, test.name].join(' > ')}${reason}`);
        }
      }
      for (const child of suite.suites) visit(child, [...path, child.name]);
    };
    if (session.testResults) visit(session.testResults, []);
    const sessionFailed =
      session.passed === false || session.errors.length > 0 || session.status !== 'FINISHED';
    if (sessionFailed && counts.failed === failedBefore) {
      counts.failed += 1;
      const reasons = session.errors.map((e) => firstLine(e.message)).join('; ');
      counts.failures.push(`${file}: (file) ${reasons || `did not finish (${session.status})`}`);
    }
  }
  return counts;
}

/** @param {string} text */
function firstLine(text) {
  return text.split('\n', 1)[0] ?? '';
}

/**
 * @param {{ file: string }} options where to write the JSON counts
 * @returns {import('@web/test-runner').Reporter}
 */
export function countReporter({ file }) {
  /** @param {readonly TestSession[]} sessions */
  const write = (sessions) => {
    writeFileSync(file, `${JSON.stringify(countSessions(sessions))}\n`);
  };
  return {
    onTestRunFinished({ sessions }) {
      write(sessions);
    },
    stop({ sessions }) {
      write(sessions);
    },
  };
}

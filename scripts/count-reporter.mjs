// Custom node:test reporter used by scripts/test.mjs.
//
// It consumes the runner's event stream and, once the run is over, emits a
// single JSON document (written by node to --test-reporter-destination):
//
//   { "passed": 4, "failed": 0, "skipped": 0, "todo": 0, "failures": [] }
//
// Counting rules (so that the numbers are honest):
//   - Only leaf tests count. `describe` blocks (details.type === 'suite'),
//     tests that ran subtests via `t.test()` and the per-file wrapper that
//     `node --test` reports (name === file path, nesting 0) are containers.
//   - Skipped tests count as skipped, todo tests as todo (pass or fail).
//   - A leaf that was cancelled (e.g. its `before` hook threw, or it timed
//     out) counts as failed.
//   - A container that failed for a reason of its own (a hook threw, the body
//     threw after its subtests passed, the file crashed or failed to load)
//     counts as one failure, unless a failure below it was already counted.
//     So `failed > 0` whenever anything in the run failed.
//
// Events for one file arrive in order (children before their parent), which
// is what the per-file depth bookkeeping below relies on.

import { relative } from 'node:path';

/**
 * @typedef {{ count: number, failed: number }} Frame
 * @typedef {{ passed: number, failed: number, skipped: number, todo: number, failures: string[] }} Counts
 */

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* countReporter(source) {
  /** @type {Counts} */
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0, failures: [] };
  /** @type {Map<string, (Frame | undefined)[]>} per file: frames indexed by nesting */
  const files = new Map();

  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    const nesting = typeof data.nesting === 'number' ? data.nesting : 0;
    const fileKey = String(data.file ?? '<unknown>');
    const isFileWrapper = nesting === 0 && data.file !== undefined && data.name === data.file;

    let frames = files.get(fileKey);
    if (!frames) {
      frames = [];
      files.set(fileKey, frames);
    }

    // Children of the per-file wrapper are the top-level tests (nesting 0);
    // children of a test at nesting n are reported at nesting n + 1.
    const childDepth = isFileWrapper ? 0 : nesting + 1;
    const children = frames[childDepth] ?? { count: 0, failed: 0 };
    frames.length = Math.min(frames.length, childDepth); // drop this subtree's frames
    const isSuite = data.details?.type === 'suite';
    const isContainer = isFileWrapper || isSuite || children.count > 0;
    const failed = event.type === 'test:fail';

    let countedFailure = false;
    if (data.todo !== undefined && data.todo !== false) {
      if (!isContainer) counts.todo += 1;
    } else if (data.skip !== undefined && data.skip !== false) {
      if (!isContainer || isSuite) counts.skipped += 1;
    } else if (!isContainer) {
      if (failed) {
        counts.failed += 1;
        countedFailure = true;
      } else {
        counts.passed += 1;
      }
    } else if (failed && children.failed === 0) {
      const failureType = data.details?.error?.failureType;
      if (failureType !== 'subtestsFailed') {
        counts.failed += 1;
        countedFailure = true;
      }
    }
    if (countedFailure) counts.failures.push(describeFailure(data, isContainer));

    if (!isFileWrapper) {
      const frame = frames[nesting] ?? { count: 0, failed: 0 };
      frame.count += 1;
      if (countedFailure || children.failed > 0) frame.failed += 1;
      frames[nesting] = frame;
    }
  }

  yield `${JSON.stringify(counts)}\n`;
}

/**
 * @param {any} data
 * @param {boolean} isContainer
 */
function describeFailure(data, isContainer) {
  const where = data.file ? relative(process.cwd(), String(data.file)) : '<unknown file>';
  const error = data.details?.error;
  const reason = error?.failureType ? ` [${String(error.failureType)}]` : '';
  const label = data.name === data.file ? '(file)' : String(data.name);
  return `${where}: ${label}${isContainer ? ' (suite/hook/file level)' : ''}${reason}`;
}

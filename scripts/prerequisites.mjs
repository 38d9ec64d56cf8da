// Programs the test suites need beside Node: found on PATH, or installed from Debian's packages
// when this process may (root with apt-get), or else named in a one-line instruction.

import { spawnSync } from 'node:child_process';

/** @param {string} program */
function onPath(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Ensures `program` exists, installing Debian `pkg` if needed and possible.
 * @param {string} program
 * @param {string} pkg
 * @returns {boolean}
 */
export function ensureProgram(program, pkg) {
  if (onPath(program)) return true;
  const canApt = process.getuid?.() === 0 && onPath('apt-get');
  if (!canApt) {
    console.error(`${program} is missing: install it (Debian: apt-get install -y ${pkg}).`);
    return false;
  }
  console.log(`installing ${pkg} (${program} is missing)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install =
    update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
          stdio: 'inherit',
          env,
        })
      : update;
  if (install.status !== 0 || !onPath(program)) {
    console.error(`could not install ${pkg}: install it (apt-get install -y ${pkg}).`);
    return false;
  }
  return true;
}

// @ts-check
// Programs the test suites need beside Node: found on PATH, or installed from Debian's packages
// when this process may (root with apt-get), or else named in a one-line instruction.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** @param {string} program */
function onPath(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** @param {string} program */
function resolveOnPath(program) {
  const found = spawnSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim() : '';
  return path === '' ? undefined : path;
}

/** @param {string} file */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function canApt() {
  return process.getuid?.() === 0 && onPath('apt-get');
}

/**
 * Ensures `program` exists, installing Debian `pkg` if needed and possible.
 * @param {string} program
 * @param {string} pkg
 * @returns {boolean}
 */
export function ensureProgram(program, pkg) {
  if (onPath(program)) return true;
  if (!canApt()) {
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

/**
 * Command-line flags for every Chromium the suites launch (element tests and end-to-end tests):
 * no sandbox (containers run as root), no GPU, and nothing that reaches out to the network for
 * updates, sync or field trials. Headless mode is the launchers' own option.
 * @type {string[]}
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Executables tried after `CHROME_PATH`, in order: absolute paths or names looked up on PATH. */
const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  'google-chrome',
  'google-chrome-stable',
  'chromium-browser',
  '/opt/google/chrome/chrome',
];

/**
 * The Chromium or Chrome executable the browser suites use: `CHROME_PATH` if it names an
 * executable, then Debian's `/usr/bin/chromium`, then a locally installed Chrome.
 * @returns {string | undefined}
 */
export function findChromium() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    console.error(`CHROME_PATH=${fromEnv} is not an executable; looking elsewhere.`);
  }
  for (const candidate of CHROMIUM_CANDIDATES) {
    const path = candidate.startsWith('/') ? candidate : resolveOnPath(candidate);
    if (path && isExecutable(path)) return path;
  }
  return undefined;
}

/**
 * Like `findChromium()`, but installs Debian's `chromium` when none is found and this process may
 * use apt. Sets `CHROME_PATH` so child processes (the test runner's config, end-to-end tests) use
 * the same executable.
 * @returns {string}
 * @throws {Error} with a one-line instruction when no browser can be found or installed
 */
export function ensureChromium() {
  let path = findChromium();
  if (!path && canApt()) {
    ensureProgram('chromium', 'chromium');
    path = findChromium();
  }
  if (!path) {
    throw new Error(
      'no Chromium or Chrome found: install one (Debian: apt-get install -y chromium) or set CHROME_PATH to its executable.',
    );
  }
  process.env.CHROME_PATH = path;
  return path;
}

// @ts-check
// Serves CommonJS packages to the test page as ES modules. The dev server only rewrites import
// specifiers; a CommonJS package such as `qrcode` would reach the browser as `require(...)` calls.
// esbuild bundles each imported specifier once (the package itself or a deep path such as
// `qrcode/lib/core/qrcode.js`, honouring the `browser` field) into a module with a default export
// plus the named exports the CommonJS file assigns, so both import styles work as under Vite.

import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { build } from 'esbuild';

/** CommonJS packages that browser code imports. */
export const COMMONJS_PACKAGES = ['qrcode'];

const PREFIX = '/__prebundled__/';

// `exports.name =` and `module.exports.name =`, the assignments cjs-module-lexer also detects.
const NAMED_EXPORT = /(?:^|[^.\w$])(?:module\.)?exports\.([A-Za-z_$][\w$]*)\s*=(?!=)/g;

/**
 * Names a CommonJS source assigns to `exports`.
 * @param {string} source
 * @returns {string[]}
 */
export function commonJsExportNames(source) {
  const names = new Set();
  for (const match of source.matchAll(NAMED_EXPORT)) {
    const name = match[1];
    if (name && name !== 'default' && name !== '__esModule') names.add(name);
  }
  return [...names].sort();
}

/**
 * @param {{ packages?: string[], rootDir?: string }} [options]
 * @returns {import('@web/test-runner').TestRunnerPlugin}
 */
export function prebundlePlugin({ packages = COMMONJS_PACKAGES, rootDir = process.cwd() } = {}) {
  /** @type {Map<string, Promise<string>>} */
  const bundles = new Map();

  /** @param {string} specifier */
  const handles = (specifier) =>
    packages.some((name) => specifier === name || specifier.startsWith(`${name}/`));

  /** @param {string} contents */
  const bundleStdin = (contents) =>
    build({
      stdin: { contents, resolveDir: rootDir, loader: 'js' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

  /** @param {string} specifier */
  async function bundle(specifier) {
    // First pass: let esbuild resolve the specifier (browser field included) to read its exports.
    const probe = await bundleStdin(`import ${JSON.stringify(specifier)};`);
    const resolved = probe.metafile.inputs['<stdin>']?.imports[0]?.path;
    if (!resolved) throw new Error(`could not resolve ${specifier}`);
    const source = await readFile(
      isAbsolute(resolved) ? resolved : join(rootDir, resolved),
      'utf8',
    );
    const names = commonJsExportNames(source);
    const contents = [
      `import pkg from ${JSON.stringify(specifier)};`,
      'export default pkg;',
      ...names.map((n) => `export const ${n} = pkg.${n};`),
    ].join('\n');
    const result = await bundleStdin(contents);
    const output = result.outputFiles[0];
    if (!output) throw new Error(`esbuild produced no output for ${specifier}`);
    return output.text;
  }

  return {
    name: 'prebundle-commonjs',

    resolveImport({ source }) {
      return handles(source) ? `${PREFIX}${source}` : undefined;
    },

    async serve(context) {
      if (!context.path.startsWith(PREFIX)) return undefined;
      const specifier = context.path.slice(PREFIX.length);
      if (!handles(specifier)) return undefined;
      let body = bundles.get(specifier);
      if (!body) {
        body = bundle(specifier);
        bundles.set(specifier, body);
      }
      return { body: await body, type: 'js' };
    },
  };
}

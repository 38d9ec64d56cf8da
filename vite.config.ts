import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { minifyLiterals } from './scripts/minify-literals.mjs';

// The browser library is built from src/; the Node server and the engine run from source with tsx
// and are never bundled.
//
//   vite build                 dist/: ES modules, one entry per element plus src/index.ts; lit,
//                              @simplewebauthn/browser and qrcode stay imports (dependencies)
//   vite build --mode bundle   dist/mfa-elements.bundle.js: everything in one file for a
//                              <script type="module"> tag

const ROOT = import.meta.dirname;

/** Dependencies a consumer installs with the library: imported, never bundled into it. */
export const EXTERNAL = [
  /^lit(\/|$)/,
  /^@lit\//,
  /^@lit-labs\//,
  /^@simplewebauthn\/browser(\/|$)/,
  /^qrcode(\/|$)/,
];

/** Element folders under src/elements that hold their element file `<tag>/<tag>.ts`. */
export function elementEntries(root: string = ROOT): Record<string, string> {
  const dir = join(root, 'src/elements');
  if (!existsSync(dir)) return {};
  const entries: Record<string, string> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name, `${entry.name}.ts`);
    if (entry.isDirectory() && entry.name.startsWith('mfa-') && existsSync(file)) {
      entries[`elements/${entry.name}`] = file;
    }
  }
  return entries;
}

/** Library entries: src/index.ts (when present) and every element. */
export function libraryEntries(root: string = ROOT): Record<string, string> {
  const index = join(root, 'src/index.ts');
  return { ...(existsSync(index) ? { index } : {}), ...elementEntries(root) };
}

const BUNDLE_ENTRY = 'virtual:mfa-elements-bundle';

/** One module that re-exports src/index.ts and imports every element, so all are defined. */
function bundleEntry(root: string): Plugin {
  const resolved = `\0${BUNDLE_ENTRY}`;
  return {
    name: 'mfa-bundle-entry',
    // Library mode resolves entries against the root, so match the end of the id.
    resolveId: (id) => (id.endsWith(BUNDLE_ENTRY) ? resolved : undefined),
    load(id) {
      if (id !== resolved) return undefined;
      const { index, ...elements } = libraryEntries(root);
      return [
        ...(index ? [`export * from ${JSON.stringify(index)};`] : []),
        ...Object.values(elements).map((file) => `import ${JSON.stringify(file)};`),
      ].join('\n');
    },
  };
}

export function libraryConfig(root: string = ROOT): UserConfig {
  return {
    root,
    // A consumer's minifier leaves the text of css`` and html`` literals alone, so it is
    // minified here.
    plugins: [minifyLiterals()],
    build: {
      outDir: 'dist',
      target: 'es2022',
      emptyOutDir: true,
      sourcemap: true,
      // Consumers minify code; readable modules are easier to debug and audit.
      minify: false,
      lib: {
        entry: libraryEntries(root),
        formats: ['es'],
        fileName: (_format, name) => `${name}.js`,
      },
      rolldownOptions: {
        external: EXTERNAL,
        // Lazily loaded modules (locale catalogs, the QR encoder) stay chunks of their own.
        output: { chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  };
}

export function bundleConfig(root: string = ROOT): UserConfig {
  return {
    root,
    plugins: [bundleEntry(root), minifyLiterals()],
    build: {
      outDir: 'dist',
      target: 'es2022',
      emptyOutDir: false,
      sourcemap: true,
      minify: true,
      lib: {
        entry: { 'mfa-elements.bundle': BUNDLE_ENTRY },
        formats: ['es'],
        fileName: () => 'mfa-elements.bundle.js',
      },
      rolldownOptions: { output: { codeSplitting: false } },
    },
  };
}

export default defineConfig(({ mode }) => (mode === 'bundle' ? bundleConfig() : libraryConfig()));

#!/usr/bin/env node
// @ts-check
// `npm run size`: how many bytes the elements cost a page, checked against the README's budgets.
//
// Builds the elements the way an application would (Vite, minified, code-split) and prints gzip
// sizes of:
//   - each element's entry with everything it imports statically (`<mfa-signin> entry`)
//   - all elements together, lazily loaded chunks included, except the QR encoder and the
//     non-English catalogs (`all elements`)
//   - the QR encoder chunk that <mfa-qr> loads on demand (`QR chunk`)
// Each chunk is gzipped on its own (as a server sends it) and the sizes are added; KB = 1024 bytes.
//
// Every figure is given twice: the elements' own code, with lit left out as the dependency the
// library declares it to be (a page that already uses lit does not load it again), and in
// brackets the same with lit bundled, which is what a page without lit downloads. A budget row
// applies to the first figure unless its name says "with lit".
//
// Budgets come from README.md, rows `| name | ≤ N KB |` under the heading `## Size budgets`.
// A name mentioning a tag (`<mfa-signin> entry`) is that element's entry; one mentioning `QR`
// is the QR chunk; one mentioning `all` or `elements` is all elements together. The script
// exits 1 when a measurement is over its budget or a budget names nothing it can measure.
//
// Usage: node scripts/size.mjs [--root <dir>] [--readme <file>]

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { minifyLiterals } from './minify-literals.mjs';

const KB = 1024;

/**
 * @typedef {{ name: string, bytes: number }} Budget
 * @typedef {{ kind: 'entry', tag: string } | { kind: 'all' } | { kind: 'qr' }} Target
 * @typedef {{ external?: (id: string) => boolean }} BuildOptions
 * @typedef {{ fileName: string, code: string, imports: string[], dynamicImports: string[], moduleIds: string[], isEntry: boolean, name: string }} Chunk
 * @typedef {{ label: string, target: Target, bytes: number, raw: number, files: string[], withLit?: number }} Measurement
 */

/**
 * Budgets from the table under `## Size budgets` (until the next heading of level 1 or 2).
 * @param {string} markdown
 * @returns {Budget[]}
 */
export function parseBudgets(markdown) {
  /** @type {Budget[]} */
  const budgets = [];
  let inSection = false;
  for (const line of markdown.split(/\r?\n/)) {
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1]?.length ?? 0;
      if (level <= 2) inSection = level === 2 && /^size budgets$/i.test(heading[2] ?? '');
      continue;
    }
    if (!inSection) continue;
    const row = /^\s*\|\s*(.+?)\s*\|\s*(?:≤|<=)\s*(\d+(?:\.\d+)?)\s*(KB|kB|KiB|B)\s*\|/.exec(line);
    if (!row) continue;
    const [, name = '', amount = '0', unit = 'B'] = row;
    budgets.push({ name, bytes: Math.round(Number(amount) * (unit === 'B' ? 1 : KB)) });
  }
  return budgets;
}

/**
 * What a budget's name refers to, or undefined when it names nothing this script measures.
 * @param {string} name
 * @returns {Target | undefined}
 */
export function budgetTarget(name) {
  const text = name.replace(/`/g, '').toLowerCase();
  const tag = /\b(mfa-[a-z0-9]+(?:-[a-z0-9]+)*)\b/.exec(text)?.[1];
  if (tag) return { kind: 'entry', tag };
  if (/\bqr\b/.test(text)) return { kind: 'qr' };
  if (/\ball\b|\belements\b/.test(text)) return { kind: 'all' };
  return undefined;
}

/**
 * Element folders: `src/elements/mfa-*`, with the entry file `<tag>/<tag>.ts` when it exists.
 * @param {string} root
 */
export function findElements(root) {
  const dir = join(root, 'src', 'elements');
  /** @type {Record<string, string>} */
  const entries = {};
  /** @type {string[]} */
  const missing = [];
  if (existsSync(dir)) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !entry.name.startsWith('mfa-')) continue;
      const file = join(dir, entry.name, `${entry.name}.ts`);
      if (existsSync(file)) entries[entry.name] = file;
      else missing.push(entry.name);
    }
  }
  return { entries, missing: missing.sort() };
}

const ALL_ENTRY = 'virtual:all-elements';

/** lit and its parts: the library's dependency, shared with the host page. */
export const isLit = (/** @type {string} */ id) =>
  /^(?:lit|lit-html|lit-element|@lit\/reactive-element)(?:\/|$)/.test(id);

/** Whether a budget row is about the figure with lit bundled. @param {string} name */
export const budgetWithLit = (name) => /\bwith lit\b|\blit included\b/i.test(name);

/**
 * An application build, without writing files: one entry per element given, or with `all`, a
 * single entry that imports every element (as a page using all of them would).
 * @param {string} root
 * @param {Record<string, string>} entries
 * @param {{ all?: boolean } & BuildOptions} [options]
 * @returns {Promise<Chunk[]>}
 */
async function buildChunks(root, entries, { all = false, external } = {}) {
  const { build } = await import('vite');
  /** @type {import('vite').Plugin} */
  const allEntry = {
    name: 'all-elements-entry',
    resolveId: (id) => (id === ALL_ENTRY ? `\0${ALL_ENTRY}` : undefined),
    load: (id) =>
      id === `\0${ALL_ENTRY}`
        ? Object.values(entries)
            .map((file) => `export * from ${JSON.stringify(file)};`)
            .join('\n')
        : undefined,
  };
  const result = await build({
    root,
    configFile: false,
    logLevel: 'error',
    publicDir: false,
    plugins: all ? [allEntry, minifyLiterals()] : [minifyLiterals()],
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      modulePreload: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input: all ? { all: ALL_ENTRY } : entries,
        ...(external ? { external } : {}),
        // An application may use what an element module exports (its class, helpers).
        preserveEntrySignatures: 'exports-only',
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  /** @type {Chunk[]} */
  const chunks = [];
  for (const out of outputs) {
    if (!('output' in out)) throw new Error('unexpected watcher from vite build');
    for (const item of out.output) {
      if (item.type !== 'chunk') continue;
      chunks.push({
        fileName: item.fileName,
        code: item.code,
        imports: item.imports,
        dynamicImports: item.dynamicImports,
        moduleIds: item.moduleIds,
        isEntry: item.isEntry,
        name: item.name,
      });
    }
  }
  return chunks;
}

/**
 * Sizes of a set of chunks of one build.
 * @param {Chunk[]} chunks
 */
function sizer(chunks) {
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const gzip = new Map(chunks.map((c) => [c.fileName, gzipSync(c.code, { level: 9 }).length]));
  /** @param {Set<string>} files */
  const sum = (files) => {
    let bytes = 0;
    let raw = 0;
    for (const file of files) {
      bytes += gzip.get(file) ?? 0;
      raw += Buffer.byteLength(byName.get(file)?.code ?? '');
    }
    return { bytes, raw, files: [...files].sort() };
  };
  return { byName, gzip, sum };
}

/** @param {string} id */
const normalize = (id) => id.split(sep).join('/');

/** @param {Chunk} chunk */
const isQrChunk = (chunk) =>
  chunk.moduleIds.some((id) => normalize(id).includes('/node_modules/qrcode/'));

/** A chunk made only of catalogs other than English. @param {Chunk} chunk */
export const isForeignCatalog = (chunk) =>
  chunk.moduleIds.length > 0 &&
  chunk.moduleIds.every((id) =>
    // English (`en.ts` and its parts `en-*.ts`) belongs to the elements; other languages do not.
    /\/src\/i18n\/locales\/(?!en(?:-[a-z]+)?\.ts$)[^/]+$/.test(normalize(id)),
  );

/**
 * File names reachable from `start` through static imports (and dynamic ones when asked),
 * not entering chunks that `skip` rejects.
 * @param {Map<string, Chunk>} byName
 * @param {string[]} start
 * @param {{ dynamic?: boolean, skip?: (chunk: Chunk) => boolean }} [options]
 */
function closure(byName, start, { dynamic = false, skip = () => false } = {}) {
  const seen = new Set();
  const queue = [...start];
  while (queue.length > 0) {
    const name = /** @type {string} */ (queue.pop());
    const chunk = byName.get(name);
    if (!chunk || seen.has(name) || skip(chunk)) continue;
    seen.add(name);
    queue.push(...chunk.imports, ...(dynamic ? chunk.dynamicImports : []));
  }
  return seen;
}

/**
 * @param {string} root
 * @param {BuildOptions} [options]
 * @returns {Promise<{ measurements: Measurement[], notes: string[], missing: string[] }>}
 */
export async function measure(root, options = {}) {
  const { entries, missing } = findElements(root);
  /** @type {string[]} */
  const notes = [];
  if (Object.keys(entries).length === 0) return { measurements: [], notes, missing };

  /** @type {Measurement[]} */
  const measurements = [];
  // One build per element: exactly what a page that uses only that element loads up front.
  for (const tag of Object.keys(entries).sort()) {
    const file = /** @type {string} */ (entries[tag]);
    const { byName, sum } = sizer(await buildChunks(root, { [tag]: file }, options));
    const files = closure(byName, [`${tag}.js`]);
    measurements.push({ label: `<${tag}> entry`, target: { kind: 'entry', tag }, ...sum(files) });
  }

  const chunks = await buildChunks(root, entries, { all: true, ...options });
  const { byName, gzip, sum } = sizer(chunks);
  const staticAll = closure(byName, ['all.js']);
  const statically = chunks.filter((c) => isQrChunk(c) && staticAll.has(c.fileName));
  if (statically.length > 0) {
    notes.push(
      `qrcode is imported statically (in ${statically.map((c) => c.fileName).join(', ')}), not loaded on demand`,
    );
  }
  const all = closure(byName, ['all.js'], {
    dynamic: true,
    skip: (c) => (isQrChunk(c) && !staticAll.has(c.fileName)) || isForeignCatalog(c),
  });
  measurements.push({ label: 'all elements', target: { kind: 'all' }, ...sum(all) });

  const qrStarts = chunks.filter((c) => isQrChunk(c) && !staticAll.has(c.fileName));
  if (qrStarts.length > 0) {
    const qr = closure(
      byName,
      qrStarts.map((c) => c.fileName),
    );
    for (const file of all) qr.delete(file);
    measurements.push({ label: 'QR chunk', target: { kind: 'qr' }, ...sum(qr) });
  } else if (statically.length === 0) {
    notes.push('no QR chunk: no element loads qrcode');
  }

  const catalogs = chunks.filter(isForeignCatalog);
  if (catalogs.length > 0) {
    const sizes = catalogs.map((c) => gzip.get(c.fileName) ?? 0);
    notes.push(
      `${catalogs.length} non-English catalog chunks, ${formatKb(Math.min(...sizes))}–${formatKb(Math.max(...sizes))} each (loaded on demand, one per page)`,
    );
  }
  return { measurements, notes, missing };
}

/** @param {number} bytes */
function formatKb(bytes) {
  return `${(bytes / KB).toFixed(2)} KB`;
}

/**
 * @param {Target} a
 * @param {Target} b
 */
function sameTarget(a, b) {
  if (a.kind === 'entry' && b.kind === 'entry') return a.tag === b.tag;
  return a.kind === b.kind;
}

/** @param {string[]} argv */
function parseArgs(argv) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  let root = resolve(here, '..');
  /** @type {string | undefined} */
  let readme;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--root' || arg === '--readme') && value !== undefined) {
      if (arg === '--root') root = resolve(value);
      else readme = resolve(value);
      i += 1;
    } else {
      throw new Error(
        `unknown argument ${String(arg)} (usage: size.mjs [--root dir] [--readme file])`,
      );
    }
  }
  return { root, readme: readme ?? join(root, 'README.md') };
}

async function main() {
  const { root, readme } = parseArgs(process.argv.slice(2));
  const budgets = existsSync(readme) ? parseBudgets(readFileSync(readme, 'utf8')) : [];
  const { measurements, notes, missing } = await measure(root, { external: isLit });
  const bundled = await measure(root);
  for (const m of measurements) {
    m.withLit = bundled.measurements.find((b) => b.label === m.label)?.bytes;
  }

  let failed = false;
  console.log(
    "size (minified, gzip; the elements' code, and in brackets with lit bundled; 1 KB = 1024 bytes)\n",
  );
  const width = Math.max(12, ...measurements.map((m) => m.label.length));
  for (const m of measurements) {
    const budget = budgets.find((b) => {
      const target = budgetTarget(b.name);
      return target !== undefined && sameTarget(target, m.target);
    });
    let verdict = '';
    if (budget) {
      const figure = budgetWithLit(budget.name) ? (m.withLit ?? m.bytes) : m.bytes;
      const over = figure > budget.bytes;
      failed ||= over;
      verdict = `  ≤ ${formatKb(budget.bytes)}${budgetWithLit(budget.name) ? ' with lit' : ''}  ${over ? `OVER BUDGET by ${formatKb(figure - budget.bytes)}` : 'ok'}`;
    }
    const withLit = m.withLit === undefined ? '' : ` [${formatKb(m.withLit)} with lit]`;
    console.log(
      `  ${m.label.padEnd(width)}  ${formatKb(m.bytes).padStart(9)}${withLit}  (${formatKb(m.raw)} raw, ${m.files.length} chunk${m.files.length === 1 ? '' : 's'})${verdict}`,
    );
  }
  if (measurements.length === 0)
    console.log('  nothing to measure: no src/elements/mfa-*/mfa-*.ts yet');

  const problems = [];
  for (const budget of budgets) {
    const target = budgetTarget(budget.name);
    if (!target) {
      problems.push(
        `budget "${budget.name}" names nothing measurable (a <mfa-…> tag, "QR", "all elements")`,
      );
      failed = true;
    } else if (!measurements.some((m) => sameTarget(m.target, target))) {
      notes.push(
        `budget "${budget.name}" not checked: ${target.kind === 'entry' ? `src/elements/${target.tag}/${target.tag}.ts does not exist yet` : 'nothing to measure yet'}`,
      );
    }
  }
  if (missing.length > 0) {
    notes.push(
      `element folders without their entry file: ${missing.map((t) => `src/elements/${t}/${t}.ts`).join(', ')}`,
    );
  }
  if (budgets.length === 0) {
    notes.push(
      `no budgets: ${relative(process.cwd(), readme) || readme} has no "## Size budgets" table`,
    );
  }
  for (const note of notes) console.log(`\nnote: ${note}`);
  for (const problem of problems) console.error(`\nerror: ${problem}`);
  if (failed) {
    console.error('\nsize check failed');
    process.exitCode = 1;
  }
}

// Only run when executed directly, so the parser can be imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    await main();
  } catch (error) {
    console.error(`scripts/size.mjs: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

/**
 * The demo's browser code: `demo/app/*.ts` built with Vite into `demo/.build/`, rebuilt only when
 * a source is newer than the last build, and served from memory under `/assets/`.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Hono } from 'hono';
import { minifyLiterals } from '../scripts/minify-literals.mjs';

/** The entry points, served at `/assets/<name>.js` under stable names. */
export const ENTRIES = { demo: 'demo/app/main.ts', outbox: 'demo/app/outbox.ts' } as const;

/** Inputs whose change makes the build stale. */
const SOURCES = [
  'src',
  'demo/app',
  'demo/assets.ts',
  'scripts/minify-literals.mjs',
  // The bundler reads `sideEffects` and the dependency set from these.
  'package.json',
  'package-lock.json',
];

export interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
  /** Hashed names never change content, so they may be cached for a year. */
  immutable: boolean;
}

export type Assets = ReadonlyMap<string, Asset>;

export interface BuildOutcome {
  assets: Assets;
  built: boolean;
  ms: number;
  dir: string;
}

/** A build that failed; `npm start` stops with its message. */
export class AssetBuildError extends Error {
  override name = 'AssetBuildError';
}

interface Current {
  dir: string;
  /** When the build began: later source edits make it stale. */
  startedAt: number;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function readCurrent(outDir: string): Current | undefined {
  try {
    const parsed = JSON.parse(
      readFileSync(join(outDir, 'current.json'), 'utf8'),
    ) as Partial<Current>;
    if (typeof parsed.dir !== 'string' || typeof parsed.startedAt !== 'number') return undefined;
    if (!existsSync(join(outDir, parsed.dir, 'demo.js'))) return undefined;
    return { dir: parsed.dir, startedAt: parsed.startedAt };
  } catch {
    return undefined;
  }
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  json: 'application/json',
};

function loadDir(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        walk(full);
        continue;
      }
      const name = relative(dir, full).split(sep).join('/');
      const extension = name.slice(name.lastIndexOf('.') + 1);
      const type = TYPES[extension];
      if (type === undefined) continue;
      const body = new Uint8Array(readFileSync(full));
      assets.set(name, {
        body,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: name.includes('/'),
      });
    }
  };
  walk(dir);
  return assets;
}

/** Removes earlier builds; recent ones may still be in progress in another process. */
function prune(outDir: string, keep: string): void {
  const cutoff = Date.now() - 10 * 60_000;
  for (const entry of readdirSync(outDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('b-') || entry.name === keep) continue;
    const full = join(outDir, entry.name);
    if (statSync(full).mtimeMs < cutoff) rmSync(full, { recursive: true, force: true });
  }
}

async function runVite(root: string, outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    // The elements' css`` and html`` text, as `npm run size` measures it.
    plugins: [minifyLiterals()],
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      // Every supported browser preloads modules natively; the polyfill would be dead code.
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
      copyPublicDir: false,
      rolldownOptions: {
        input: Object.fromEntries(
          Object.entries(ENTRIES).map(([name, file]) => [name, join(root, file)]),
        ),
        output: {
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
          assetFileNames: 'files/[name]-[hash][extname]',
        },
      },
    },
  });
}

/**
 * Builds the browser code unless the last build is newer than every source, then loads it.
 * Each build goes to its own folder and `current.json` is replaced atomically, so processes that
 * start together never read a half-written build.
 */
export async function prepareAssets(options: {
  root: string;
  force?: boolean;
}): Promise<BuildOutcome> {
  const { root, force = false } = options;
  const outDir = join(root, 'demo', '.build');
  const started = Date.now();
  const current = readCurrent(outDir);
  const newest = Math.max(...SOURCES.map((source) => newestMtime(join(root, source))));
  if (!force && current && current.startedAt > newest) {
    const dir = join(outDir, current.dir);
    return { assets: loadDir(dir), built: false, ms: Date.now() - started, dir };
  }

  mkdirSync(outDir, { recursive: true });
  const name = `b-${started.toString(36)}-${randomBytes(4).toString('hex')}`;
  const dir = join(outDir, name);
  try {
    await runVite(root, dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new AssetBuildError(
      `Building the demo's browser code (demo/app) failed:\n${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const draft = join(outDir, `current.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(draft, `${JSON.stringify({ dir: name, startedAt: started } satisfies Current)}\n`);
  renameSync(draft, join(outDir, 'current.json'));
  prune(outDir, name);
  return { assets: loadDir(dir), built: true, ms: Date.now() - started, dir };
}

/** Serves `assets` at `/assets/*`: hashed chunks for a year, entries revalidated by ETag. */
export function serveAssets(app: Hono, assets: Assets): void {
  app.get('/assets/*', (c) => {
    const name = c.req.path.slice('/assets/'.length);
    const asset = assets.get(name);
    if (!asset) return c.text('Not found', 404);
    const headers = {
      'content-type': asset.type,
      etag: asset.etag,
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, headers);
  });
}

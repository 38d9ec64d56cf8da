/**
 * `npm run build`: the library (one ES module per element, lit left as a dependency, types) and
 * the single-file bundle for a plain `<script type=module>` tag.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

const root = join(import.meta.dirname, '../..');
const dist = join(root, 'dist');
const TAGS = [
  'mfa-signin',
  'mfa-enroll',
  'mfa-otp-input',
  'mfa-qr',
  'mfa-device-picker',
  'mfa-method-picker',
];

/** Bare module specifiers a file imports (`lit`, `qrcode`…), not relative chunks. */
function bareImports(code: string): string[] {
  const found = new Set<string>();
  const specifier = /(?:\bfrom|\bimport)\s*\(?\s*["']([@a-z][\w@/.-]*)["']/g;
  for (const match of code.matchAll(specifier)) {
    found.add(match[1] ?? '');
  }
  return [...found].sort();
}

describe('npm run build', () => {
  before(() => {
    const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  });

  test('one ES module per element, and their types', () => {
    for (const tag of TAGS) {
      assert.ok(existsSync(join(dist, 'elements', `${tag}.js`)), `dist/elements/${tag}.js`);
      assert.ok(
        existsSync(join(dist, 'types', 'elements', tag, `${tag}.d.ts`)),
        `dist/types/elements/${tag}/${tag}.d.ts`,
      );
    }
    assert.ok(existsSync(join(dist, 'index.js')), 'dist/index.js');
    assert.ok(existsSync(join(dist, 'types', 'index.d.ts')), 'dist/types/index.d.ts');
  });

  test('lit and the other dependencies stay imports of the library; zod never reaches it', () => {
    const chunks = readdirSync(join(dist, 'chunks')).map((name) =>
      readFileSync(join(dist, 'chunks', name), 'utf8'),
    );
    const imported = new Set(chunks.flatMap(bareImports));
    assert.ok(imported.has('lit'), `lit is imported: ${[...imported].join(', ')}`);
    for (const name of imported) {
      assert.match(
        name,
        /^(?:lit(?:\/.*)?|@simplewebauthn\/browser|qrcode(?:\/.*)?)$/,
        `only declared browser dependencies are imported, not ${name}`,
      );
    }
    // Language catalogs and the QR encoder stay chunks of their own.
    const names = readdirSync(join(dist, 'chunks'));
    assert.ok(
      names.some((name) => name.startsWith('de-')),
      `a German chunk: ${names.join(', ')}`,
    );
  });

  test('the single-file bundle imports nothing and defines every element', () => {
    const bundle = readFileSync(join(dist, 'mfa-elements.bundle.js'), 'utf8');
    assert.deepEqual(bareImports(bundle), [], 'no bare imports left for the page to resolve');
    assert.doesNotMatch(bundle, /\bimport\s*\(\s*["']\.\//, 'no chunk to fetch next to it');
    for (const tag of TAGS) assert.ok(bundle.includes(`"${tag}"`), `${tag} is defined`);
  });
});

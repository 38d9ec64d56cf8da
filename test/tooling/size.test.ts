import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  budgetTarget,
  budgetWithLit,
  isForeignCatalog,
  isLit,
  parseBudgets,
} from '../../scripts/size.mjs';

const script = join(import.meta.dirname, '../../scripts/size.mjs');
const roots: string[] = [];

after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'size-fixture-'));
  roots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

function runSize(root: string) {
  const result = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// Random bytes do not compress: about 6 KB of gzip for this element.
const bigElement = `export const blob = ${JSON.stringify(randomBytes(4500).toString('base64'))};
export const load = () => import('qrcode');
`;
// A stand-in for the qrcode package, so the fixture has a QR chunk without real dependencies.
const fakeQrcode = {
  'node_modules/qrcode/package.json': '{ "name": "qrcode", "main": "index.js" }',
  'node_modules/qrcode/index.js': `exports.create = function create(text) { return text + ${JSON.stringify(randomBytes(600).toString('hex'))}; };\n`,
};

describe('scripts/size.mjs', () => {
  test('reads budgets only from the table under "## Size budgets"', () => {
    const readme = [
      '# Project',
      '| <mfa-signin> entry | ≤ 1 KB |',
      '## Size budgets',
      'Gzip sizes.',
      '| What | Budget |',
      '| --- | --- |',
      '| `<mfa-signin>` entry | ≤ 15 KB |',
      '| all elements (no QR, no catalogs) | <= 30 kB | lazy parts excluded |',
      '| QR chunk | ≤ 7.5 KB |',
      '| tiny | ≤ 200 B |',
      '### Details',
      '| still inside | ≤ 2 KB |',
      '## Next section',
      '| QR chunk | ≤ 1 KB |',
    ].join('\n');
    assert.deepEqual(parseBudgets(readme), [
      { name: '`<mfa-signin>` entry', bytes: 15 * 1024 },
      { name: 'all elements (no QR, no catalogs)', bytes: 30 * 1024 },
      { name: 'QR chunk', bytes: 7680 },
      { name: 'tiny', bytes: 200 },
      { name: 'still inside', bytes: 2048 },
    ]);
    assert.deepEqual(parseBudgets('# No budgets here\n| x | ≤ 1 KB |\n'), []);
  });

  test('maps budget names to what is measured', () => {
    assert.deepEqual(budgetTarget('`<mfa-signin>` entry'), { kind: 'entry', tag: 'mfa-signin' });
    assert.deepEqual(budgetTarget('<mfa-otp-input> entry'), {
      kind: 'entry',
      tag: 'mfa-otp-input',
    });
    assert.deepEqual(budgetTarget('QR chunk'), { kind: 'qr' });
    assert.deepEqual(budgetTarget('All elements together'), { kind: 'all' });
    assert.equal(budgetTarget('something else'), undefined);
  });

  test('exits 1 when an entry is over its budget', () => {
    const root = fixture({
      'README.md': '## Size budgets\n\n| <mfa-big> entry | ≤ 2 KB |\n| QR chunk | ≤ 10 KB |\n',
      'src/elements/mfa-big/mfa-big.ts': bigElement,
      ...fakeQrcode,
    });
    const run = runSize(root);
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /<mfa-big> entry .*OVER BUDGET/, run.output);
    assert.match(run.output, /QR chunk .*ok/, run.output);
  });

  test('exits 0 within budget, and names what is missing or unchecked', () => {
    const root = fixture({
      'README.md':
        '## Size budgets\n\n| <mfa-big> entry | ≤ 50 KB |\n| all elements | ≤ 50 KB |\n| <mfa-later> entry | ≤ 1 KB |\n',
      'src/elements/mfa-big/mfa-big.ts': bigElement,
      'src/elements/mfa-empty/README.md': 'not written yet\n',
      ...fakeQrcode,
    });
    const run = runSize(root);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /all elements .*ok/, run.output);
    assert.match(run.output, /QR chunk/, run.output);
    assert.match(
      run.output,
      /src\/elements\/mfa-later\/mfa-later\.ts does not exist yet/,
      run.output,
    );
    assert.match(run.output, /src\/elements\/mfa-empty\/mfa-empty\.ts/, run.output);
  });

  test('exits 1 when a budget names nothing measurable', () => {
    const root = fixture({
      'README.md': '## Size budgets\n\n| the whole app | ≤ 50 KB |\n',
      'src/elements/mfa-big/mfa-big.ts': 'export const x = 1;\n',
    });
    const run = runSize(root);
    assert.equal(run.status, 1, run.output);
    assert.match(run.output, /names nothing measurable/, run.output);
  });

  test('tells lit apart, and which budget rows count it', () => {
    for (const id of [
      'lit',
      'lit/directives/live.js',
      'lit-html',
      'lit-element/lit-element.js',
      '@lit/reactive-element',
    ]) {
      assert.equal(isLit(id), true, id);
    }
    for (const id of ['literal', '@simplewebauthn/browser', 'qrcode', './lit.ts']) {
      assert.equal(isLit(id), false, id);
    }
    assert.equal(budgetWithLit('all elements together, with lit'), true);
    assert.equal(budgetWithLit('`<mfa-signin>` entry'), false);
  });

  test('English catalog parts count as the elements’ own code; other languages do not', () => {
    const chunk = (ids: string[]) => ({
      fileName: 'x.js',
      code: '',
      imports: [],
      dynamicImports: [],
      moduleIds: ids,
      isEntry: false,
      name: 'x',
    });
    const locales = '/repo/src/i18n/locales';
    for (const name of ['en.ts', 'en-core.ts', 'en-signin.ts', 'en-enroll.ts']) {
      assert.equal(isForeignCatalog(chunk([`${locales}/${name}`])), false, name);
    }
    for (const name of ['de.ts', 'pt-BR.ts', 'zh-CN.ts', 'pseudo.ts']) {
      assert.equal(isForeignCatalog(chunk([`${locales}/${name}`])), true, name);
    }
    assert.equal(isForeignCatalog(chunk([`${locales}/de.ts`, '/repo/src/i18n/format.ts'])), false);
  });

  test("the project's own elements are within the README's budgets", () => {
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /<mfa-signin> entry .* ok/, result.stdout);
    assert.match(result.stdout, /all elements .* ok/, result.stdout);
    assert.match(result.stdout, /QR chunk .* ok/, result.stdout);
  });
});

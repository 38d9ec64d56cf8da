// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import lit from 'eslint-plugin-lit';
import litA11y from 'eslint-plugin-lit-a11y';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Code that runs in the page: the elements and what they import, browser tests, the demo's assets. */
const BROWSER_FILES = [
  'src/elements/**',
  'src/flows/**',
  'src/client/**',
  'src/i18n/**',
  'test/browser/**',
  'test/wtr/**/*.ts',
  '**/*.browser.test.ts',
  'demo/app/**',
  'demo/public/**',
];

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    'dist/',
    '.mfa-data/',
    'test-output/',
    'coverage/',
    'demo/.build/',
    'custom-elements.json',
  ]),

  {
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
  },

  js.configs.recommended,

  // TypeScript: type-aware strict + stylistic rules.
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },

  // Tests: node:test's describe/it/test/suite return promises that the runner tracks.
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },

  // Browser code.
  {
    files: BROWSER_FILES,
    languageOptions: { globals: globals.browser },
  },

  // Elements: Lit templates, custom-element rules and template accessibility.
  {
    files: ['src/elements/**/*.ts'],
    extends: [
      lit.configs['flat/recommended'],
      wc.configs['flat/best-practice'],
      litA11y.configs.recommended,
    ],
    rules: {
      // Elements register behind a `customElements.get` guard so a page can load two copies.
      'wc/guard-define-call': 'error',
    },
  },

  // Browser tests: chai's property assertions (`expect(x).to.be.true`) are expressions, and
  // @open-wc's DOM-diff typings make every `.equal()` look like a promise although only
  // `.dom.equal()` is one. `accessible()` stays a promise that must be awaited.
  {
    files: ['src/elements/**/*.test.ts', '**/*.browser.test.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: '@open-wc/semantic-dom-diff', name: 'Equal' },
          ],
        },
      ],
    },
  },

  // Plain JavaScript (config files, scripts): recommended rules with Node globals.
  {
    files: ['**/*.js', '**/*.mjs'],
    ignores: ['demo/app/**', 'demo/public/**'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: globals.node,
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'commonjs',
      globals: globals.node,
    },
  },
);

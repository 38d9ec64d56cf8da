import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import {
  catalogs,
  createCatalogStore,
  defaultLoaders,
  english,
  type CatalogLoader,
} from './catalogs.ts';
import { en } from './locales/en.ts';
import { SUPPORTED_LOCALES, type Locale } from './resolve.ts';
import type { Messages } from './types.ts';

const german: Messages = { ...en, 'common.continue': 'Weiter' };

function recordErrors() {
  const errors: { locale: Locale; error: unknown }[] = [];
  return { errors, onError: (locale: Locale, error: unknown) => errors.push({ locale, error }) };
}

describe('createCatalogStore', () => {
  it('has English synchronously and nothing else before a load', () => {
    const store = createCatalogStore({ loaders: {}, onError: () => undefined });
    assert.deepEqual(store.get('en'), { locale: 'en', messages: english });
    assert.equal(store.get('de'), undefined);
  });

  it('loads a catalog once and keeps it', async () => {
    const loader = mock.fn<CatalogLoader>(() => Promise.resolve({ default: german }));
    const store = createCatalogStore({ loaders: { de: loader }, onError: () => undefined });

    const [first, second] = await Promise.all([store.load('de'), store.load('de')]);
    assert.equal(loader.mock.callCount(), 1, 'concurrent loads share one request');
    assert.equal(first, second);
    assert.equal(first.locale, 'de');
    assert.equal(first.messages, german);
    assert.equal(store.get('de'), first);

    assert.equal(await store.load('de'), first);
    assert.equal(loader.mock.callCount(), 1, 'a loaded catalog is not fetched again');
  });

  it('serves English for a failed load, reports it, and tries again on the next load', async () => {
    let fail = true;
    const loader = mock.fn<CatalogLoader>(() =>
      fail ? Promise.reject(new Error('offline')) : Promise.resolve({ default: german }),
    );
    const { errors, onError } = recordErrors();
    const store = createCatalogStore({ loaders: { de: loader }, onError });

    const fallback = await store.load('de');
    assert.equal(fallback.locale, 'en');
    assert.equal(fallback.messages, english);
    assert.equal(store.get('de'), undefined, 'a failure is not remembered');
    assert.deepEqual(
      errors.map(({ locale, error }) => [locale, error instanceof Error && error.message]),
      [['de', 'offline']],
      'the failure is reported with the loader’s error',
    );

    fail = false;
    const loaded = await store.load('de');
    assert.equal(loader.mock.callCount(), 2, 'the second load asked the loader again');
    assert.equal(loaded.locale, 'de');
    assert.equal(loaded.messages, german);
    assert.equal(store.get('de'), loaded);
    assert.equal(errors.length, 1);
  });

  it('treats a loader that throws synchronously like a failed load', async () => {
    const { errors, onError } = recordErrors();
    const store = createCatalogStore({
      loaders: {
        fr: () => {
          throw new Error('no chunk');
        },
      },
      onError,
    });
    assert.equal((await store.load('fr')).locale, 'en');
    assert.equal(errors.length, 1);
  });

  it('rejects a module without a catalog as its default export', async () => {
    const { errors, onError } = recordErrors();
    const store = createCatalogStore({
      // A broken chunk: the type says Messages, the module does not deliver one.
      loaders: { ja: () => Promise.resolve({ default: null as unknown as Messages }) },
      onError,
    });
    const catalog = await store.load('ja');
    assert.equal(catalog.locale, 'en');
    assert.equal(store.get('ja'), undefined);
    assert.ok(errors[0]?.error instanceof TypeError, 'the shape error is reported');
  });

  it('serves English without a report for a locale that has no loader', async () => {
    const { errors, onError } = recordErrors();
    const store = createCatalogStore({ loaders: {}, onError });
    assert.equal((await store.load('pl')).locale, 'en');
    assert.equal((await store.load('en')).locale, 'en');
    assert.equal(errors.length, 0);
  });

  it('warns on the console by default', async (t) => {
    const warn = t.mock.method(console, 'warn', () => undefined);
    const store = createCatalogStore({
      loaders: { it: () => Promise.reject(new Error('offline')) },
    });
    assert.equal((await store.load('it')).locale, 'en');
    assert.equal(warn.mock.callCount(), 1);
    assert.match(String(warn.mock.calls[0]?.arguments[0]), /"it"/);
  });

  it('keeps stores apart', async () => {
    const a = createCatalogStore({
      loaders: { de: () => Promise.resolve({ default: german }) },
      onError: () => undefined,
    });
    const b = createCatalogStore({ loaders: {}, onError: () => undefined });
    await a.load('de');
    assert.equal(b.get('de'), undefined);
  });
});

describe('defaultLoaders and the shared store', () => {
  it('has a loader for every supported locale except English', () => {
    const expected = SUPPORTED_LOCALES.filter((l) => l !== 'en').sort();
    assert.deepEqual(Object.keys(defaultLoaders).sort(), expected);
  });

  it('loads real catalogs', async () => {
    const catalog = await catalogs.load('he');
    assert.equal(catalog.locale, 'he');
    assert.equal(catalogs.get('he'), catalog);
    assert.notEqual(catalog.messages['common.continue'], english['common.continue']);
  });
});

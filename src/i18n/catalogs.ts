/**
 * Message catalogs. English ships with the elements, each element adding its own part; every
 * other locale is a separate chunk, loaded the first time an element needs it and kept for the
 * life of the page.
 * @module
 */
import { enCore } from './locales/en-core.ts';
import { DEFAULT_LOCALE, type Locale } from './resolve.ts';
import type { MessageKey, Messages } from './types.ts';

/**
 * The English messages, always available synchronously: the shared part at first, completed by
 * `addEnglish()` as element modules load. Typed as complete because every element registers the
 * part it uses before it renders.
 */
export const english: Messages = { ...enCore } as Messages;

/** Adds an element's part of the English catalog (`en-signin.ts`, `en-enroll.ts`). */
export function addEnglish(part: Partial<Record<MessageKey, Messages[MessageKey]>>): void {
  Object.assign(english, part);
}

/** A loaded catalog and the locale it is really for (English after a failed load). */
export interface Catalog {
  readonly locale: Locale;
  readonly messages: Messages;
}

/** Imports one locale's module; its `default` export is the catalog. */
export type CatalogLoader = () => Promise<{ default: Messages }>;

/** Loaders by locale; a locale without one is served in English. */
export type CatalogLoaders = Readonly<Partial<Record<Locale, CatalogLoader>>>;

/** Each entry is its own chunk in a bundle, so a page downloads only the locales it shows. */
export const defaultLoaders = {
  de: () => import('./locales/de.ts'),
  fr: () => import('./locales/fr.ts'),
  es: () => import('./locales/es.ts'),
  it: () => import('./locales/it.ts'),
  'pt-BR': () => import('./locales/pt-BR.ts'),
  nl: () => import('./locales/nl.ts'),
  pl: () => import('./locales/pl.ts'),
  ja: () => import('./locales/ja.ts'),
  'zh-CN': () => import('./locales/zh-CN.ts'),
  ar: () => import('./locales/ar.ts'),
  he: () => import('./locales/he.ts'),
  'en-XA': () => import('./locales/pseudo.ts'),
} as const satisfies Record<Exclude<Locale, 'en'>, CatalogLoader>;

export interface CatalogStore {
  /** The catalog if it is already loaded (English always is). */
  get(locale: Locale): Catalog | undefined;
  /**
   * Loads a catalog once; concurrent calls share one request. A failed load resolves to English
   * and is not remembered, so the next call tries again.
   */
  load(locale: Locale): Promise<Catalog>;
}

export interface CatalogStoreOptions {
  loaders?: CatalogLoaders;
  /** Told about a failed load before English is used instead; defaults to `console.warn`. */
  onError?: (locale: Locale, error: unknown) => void;
}

const ENGLISH: Catalog = { locale: DEFAULT_LOCALE, messages: english };

export function createCatalogStore({
  loaders = defaultLoaders,
  onError = (locale, error) => {
    console.warn(`mfa-elements: the "${locale}" messages could not be loaded`, error);
  },
}: CatalogStoreOptions = {}): CatalogStore {
  const loaded = new Map<Locale, Catalog>([[DEFAULT_LOCALE, ENGLISH]]);
  const pending = new Map<Locale, Promise<Catalog>>();

  async function fetchCatalog(locale: Locale, loader: CatalogLoader): Promise<Catalog> {
    try {
      const module = await loader();
      // Only the shape is checked here: a missing key falls back to English per message.
      const messages: unknown = module.default;
      if (typeof messages !== 'object' || messages === null) {
        throw new TypeError('the module has no catalog as its default export');
      }
      const catalog: Catalog = { locale, messages: module.default };
      loaded.set(locale, catalog);
      return catalog;
    } catch (error) {
      onError(locale, error);
      return ENGLISH;
    }
  }

  return {
    get: (locale) => loaded.get(locale),
    load(locale) {
      const done = loaded.get(locale);
      if (done) return Promise.resolve(done);
      const loader = loaders[locale];
      if (!loader) return Promise.resolve(ENGLISH);
      let request = pending.get(locale);
      if (!request) {
        // Promise callbacks run later, so this delete always follows the set below.
        request = fetchCatalog(locale, loader).finally(() => pending.delete(locale));
        pending.set(locale, request);
      }
      return request;
    },
  };
}

/** The page-wide store every element shares. */
export const catalogs: CatalogStore = createCatalogStore();

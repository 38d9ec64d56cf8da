/**
 * Localization for the elements: the controller they use, locale resolution, formatting and the
 * catalog types a host needs to write `strings` overrides.
 * @module
 */
export { LocalizeController } from './controller.ts';
export type { LocalizeHost, LocalizeOptions, TextKey } from './controller.ts';
export { addEnglish, catalogs, createCatalogStore, defaultLoaders, english } from './catalogs.ts';
export type {
  Catalog,
  CatalogLoader,
  CatalogLoaders,
  CatalogStore,
  CatalogStoreOptions,
} from './catalogs.ts';
export { format, formatCountdown, formatNumber, formatTime, selectPlural } from './format.ts';
export { DEFAULT_LOCALE, SUPPORTED_LOCALES, isRtl, localeChain, resolveLocale } from './resolve.ts';
export type { Locale } from './resolve.ts';
export type {
  MessageKey,
  MessageOverrides,
  MessageParams,
  Messages,
  PluralKey,
  PluralMessage,
} from './types.ts';

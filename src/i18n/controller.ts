/**
 * `LocalizeController`: gives an element its messages in the language of the page around it.
 * @module
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import {
  catalogs as sharedCatalogs,
  english,
  type Catalog,
  type CatalogStore,
} from './catalogs.ts';
import {
  format,
  formatCountdown as countdown,
  formatNumber,
  formatTime as time,
  selectPlural,
} from './format.ts';
import { DEFAULT_LOCALE, isRtl, localeChain, resolveLocale, type Locale } from './resolve.ts';
import type { MessageKey, MessageOverrides, MessageParams, Messages, PluralKey } from './types.ts';

/** Keys whose message is a single string (every key that is not a plural). */
export type TextKey = Exclude<MessageKey, PluralKey>;

/** An element that can be localized: its `lang` and an optional per-instance `strings`. */
export type LocalizeHost = ReactiveControllerHost & HTMLElement & { strings?: MessageOverrides };

export interface LocalizeOptions {
  /** Where catalogs come from; the page-wide store unless a test supplies another. */
  catalogs?: CatalogStore;
}

// One observer and one listener for the whole page, however many elements are connected.
const connected = new Set<LocalizeController>();
let observer: MutationObserver | undefined;

function refreshAll(): void {
  for (const controller of connected) controller.refresh();
}

function startWatching(host: HTMLElement): void {
  if (!observer) {
    observer = new MutationObserver(refreshAll);
    // Any `lang` change in the document's light DOM can change an element's closest [lang].
    observer.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['lang'],
      subtree: true,
    });
    window.addEventListener('languagechange', refreshAll);
  }
  // Hosts inside shadow roots are outside the subtree above; observe each host itself too, and
  // its shadow root, where an element sets the `lang` that the elements it renders inherit.
  observer.observe(host, { attributes: true, attributeFilter: ['lang'] });
  if (host.shadowRoot) {
    observer.observe(host.shadowRoot, {
      attributes: true,
      attributeFilter: ['lang'],
      subtree: true,
    });
  }
}

function stopWatching(): void {
  if (connected.size > 0 || !observer) return;
  observer.disconnect();
  observer = undefined;
  window.removeEventListener('languagechange', refreshAll);
}

/**
 * Resolves an element's locale from its own `lang`, the closest `[lang]` ancestor (across shadow
 * roots), `<html lang>` and the browser's languages; loads that catalog and re-renders the host
 * when it arrives, and again whenever one of those `lang` attributes changes.
 *
 * Until a catalog has loaded the host renders in the locale it had before (English at first).
 * Lookups take the host's `strings` overrides first, then the catalog, then English.
 */
export class LocalizeController implements ReactiveController {
  private readonly host: LocalizeHost;
  private readonly catalogs: CatalogStore;
  /** The locale the host should be in; `catalog` catches up with it once loaded. */
  private requested: Locale = DEFAULT_LOCALE;
  private catalog: Catalog;
  private pending: Promise<void> = Promise.resolve();

  constructor(host: LocalizeHost, { catalogs = sharedCatalogs }: LocalizeOptions = {}) {
    this.host = host;
    this.catalogs = catalogs;
    this.catalog = catalogs.get(DEFAULT_LOCALE) ?? { locale: DEFAULT_LOCALE, messages: english };
    host.addController(this);
  }

  hostConnected(): void {
    connected.add(this);
    startWatching(this.host);
    this.refresh();
  }

  hostDisconnected(): void {
    connected.delete(this);
    stopWatching();
  }

  /** The locale of the messages currently shown (English while the first catalog loads). */
  get locale(): Locale {
    return this.catalog.locale;
  }

  /** Text direction of the current locale, for the host's `dir`. */
  get dir(): 'ltr' | 'rtl' {
    return isRtl(this.catalog.locale) ? 'rtl' : 'ltr';
  }

  /**
   * Settles once the catalog for the host's current `lang` is in use (or English, if it failed to
   * load). Reads the `lang` attributes first, so a change made just before is included.
   */
  get ready(): Promise<void> {
    this.refresh();
    return this.pending;
  }

  /**
   * Resolves the locale again. Called for every `lang` change the controller observes; call it
   * yourself after changing a `lang` it cannot see (one inside another element's shadow root).
   */
  refresh(): void {
    const locale = resolveLocale(localeChain(this.host));
    if (locale === this.requested) return;
    this.requested = locale;
    const loaded = this.catalogs.get(locale);
    if (loaded) {
      this.pending = Promise.resolve();
      this.use(loaded);
      return;
    }
    this.pending = this.catalogs.load(locale).then((catalog) => {
      // A later change may have asked for another locale while this one was loading.
      if (this.requested !== locale) return;
      // A failed load answers in English; forget the request so the next refresh loads again.
      if (catalog.locale !== locale) this.requested = catalog.locale;
      this.use(catalog);
    });
  }

  /** A message with its `{placeholders}` filled in from `params`. */
  msg(key: TextKey, params?: MessageParams): string {
    const template =
      this.host.strings?.[key] ?? (this.catalog.messages as Partial<Messages>)[key] ?? english[key];
    return format(template, params);
  }

  /**
   * The form of a plural message for `count`; `{count}` is filled in with the number formatted
   * for the locale, other placeholders from `params`.
   */
  plural(key: PluralKey, count: number, params?: MessageParams): string {
    const message =
      this.host.strings?.[key] ?? (this.catalog.messages as Partial<Messages>)[key] ?? english[key];
    return format(selectPlural(this.locale, message, count), {
      ...params,
      count: formatNumber(this.locale, count),
    });
  }

  /** A time of day in the locale's short style. */
  formatTime(date: Date | number): string {
    return time(this.locale, date);
  }

  /** Remaining seconds as `m:ss` through the `common.countdown` message. */
  formatCountdown(seconds: number): string {
    return countdown(this.locale, this.msg('common.countdown'), seconds);
  }

  private use(catalog: Catalog): void {
    if (catalog === this.catalog) return;
    this.catalog = catalog;
    this.host.requestUpdate();
  }
}

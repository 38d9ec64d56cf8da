/**
 * Locale resolution: which of the supported catalogs serves a list of candidate language tags,
 * and where an element's candidates come from.
 * @module
 */

/** Every locale with a catalog; `en-XA` is the pseudo-locale generated from English. */
export const SUPPORTED_LOCALES = [
  'en',
  'de',
  'fr',
  'es',
  'it',
  'pt-BR',
  'nl',
  'pl',
  'ja',
  'zh-CN',
  'ar',
  'he',
  'en-XA',
] as const;

/** A locale that has a catalog. */
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/** The locale used when no candidate matches, and the reference catalog. */
export const DEFAULT_LOCALE: Locale = 'en';

const byLowerCase = new Map<string, Locale>(SUPPORTED_LOCALES.map((l) => [l.toLowerCase(), l]));

/**
 * Language subtag → locale for tags that match no supported locale exactly: the first locale of
 * each language in the list above (`en` before the pseudo-locale `en-XA`, `pt` → `pt-BR`).
 */
const byLanguage = new Map<string, Locale>();
for (const locale of SUPPORTED_LOCALES) {
  const language = languageOf(locale);
  if (!byLanguage.has(language)) byLanguage.set(language, locale);
}

const RTL_LANGUAGES = new Set(['ar', 'he']);

function languageMatch(tag: string): Locale | undefined {
  let parsed: Intl.Locale;
  try {
    // maximize() supplies the likely script: zh-SG → zh-Hans-SG, zh-TW → zh-Hant-TW.
    parsed = new Intl.Locale(tag).maximize();
  } catch {
    return undefined; // not a well-formed language tag ('*', 'x', '')
  }
  // The only Chinese catalog is Simplified; Traditional-script readers are better served by the
  // next candidate (or English) than by a script they do not use.
  if (parsed.language === 'zh' && parsed.script !== 'Hans') return undefined;
  return byLanguage.get(parsed.language);
}

/**
 * Picks the locale for an ordered list of candidate language tags (most preferred first): the
 * first candidate that names a supported locale exactly (case-insensitive, `_` accepted for `-`),
 * or else shares its language (`pt` → `pt-BR`, `zh-Hans`/`zh-SG` → `zh-CN`, `de-AT` → `de`), wins.
 * Falls back to English.
 */
export function resolveLocale(candidates: readonly string[]): Locale {
  for (const candidate of candidates) {
    const tag = candidate.trim().replaceAll('_', '-');
    if (tag === '') continue;
    const match = byLowerCase.get(tag.toLowerCase()) ?? languageMatch(tag);
    if (match) return match;
  }
  return DEFAULT_LOCALE;
}

/** Whether a locale is written right to left. */
export function isRtl(locale: string): boolean {
  return RTL_LANGUAGES.has(languageOf(locale));
}

/** The language subtag of a tag, lower-cased (`pt-BR` → `pt`). */
function languageOf(tag: string): string {
  return tag.split('-')[0]?.toLowerCase() ?? '';
}

/** `lang` of an element, treating a missing or empty attribute (language unknown) as absent. */
function langOf(node: Element): string | undefined {
  const lang = node.getAttribute('lang')?.trim();
  return lang === '' ? undefined : lang;
}

/** The closest ancestor's `lang`, walking out of shadow roots through their hosts. */
function ancestorLang(element: Element): string | undefined {
  let node: Node | null = element.parentNode;
  while (node) {
    if (node.nodeType === 1 /* ELEMENT_NODE */) {
      const lang = langOf(node as Element);
      if (lang) return lang;
      node = node.parentNode;
    } else if (node.nodeType === 11 /* DOCUMENT_FRAGMENT_NODE */ && 'host' in node) {
      node = (node as ShadowRoot).host;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The language tags that apply to an element, most specific first: its own `lang`, the closest
 * ancestor's `lang` (crossing shadow roots), `<html lang>`, then the browser's languages.
 */
export function localeChain(
  element: Element,
  languages: readonly string[] = typeof navigator === 'undefined' ? [] : navigator.languages,
): string[] {
  const chain = [
    langOf(element),
    ancestorLang(element),
    langOf(element.ownerDocument.documentElement),
    ...languages,
  ].filter((tag): tag is string => tag !== undefined);
  return [...new Set(chain)];
}

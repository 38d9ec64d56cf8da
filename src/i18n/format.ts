/**
 * Pure message formatting: placeholders, plural selection, numbers, times and countdowns.
 * `Intl` objects are cached per locale because elements format on every render.
 * @module
 */
import type { MessageParams, PluralMessage } from './types.ts';

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

/**
 * Replaces each `{name}` in a template with `params[name]`. A placeholder without a value stays
 * visible as written, so a missing parameter shows up in review instead of breaking a render.
 */
export function format(template: string, params: MessageParams = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    return value === undefined ? whole : String(value);
  });
}

/** The placeholder names a template uses, in order of first appearance. */
export function placeholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1] ?? ''))];
}

function cached<T>(cache: Map<string, T>, locale: string, create: () => T): T {
  let value = cache.get(locale);
  if (value === undefined) {
    value = create();
    cache.set(locale, value);
  }
  return value;
}

const pluralRules = new Map<string, Intl.PluralRules>();
const numberFormats = new Map<string, Intl.NumberFormat>();
const twoDigitFormats = new Map<string, Intl.NumberFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** The form of a plural message for `count` in `locale`; `other` when that form is absent. */
export function selectPlural(locale: string, message: PluralMessage, count: number): string {
  const rules = cached(pluralRules, locale, () => new Intl.PluralRules(locale));
  return message[rules.select(count)] ?? message.other;
}

/** A number in the locale's digits and grouping. */
export function formatNumber(locale: string, value: number): string {
  return cached(numberFormats, locale, () => new Intl.NumberFormat(locale)).format(value);
}

/** A time of day in the locale's short style, e.g. "3:07 PM" or "15:07". */
export function formatTime(locale: string, date: Date | number): string {
  return cached(
    timeFormats,
    locale,
    () => new Intl.DateTimeFormat(locale, { timeStyle: 'short' }),
  ).format(date);
}

/**
 * A remaining duration as minutes and two-digit seconds through `template` (the catalog's
 * `common.countdown`, `{minutes}:{seconds}` in English). Fractions round up, so the display
 * never shows 0:00 while time remains; negative input shows 0:00.
 */
export function formatCountdown(locale: string, template: string, totalSeconds: number): string {
  const whole = Number.isFinite(totalSeconds) ? Math.max(0, Math.ceil(totalSeconds)) : 0;
  const twoDigits = cached(
    twoDigitFormats,
    locale,
    () => new Intl.NumberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false }),
  );
  return format(template, {
    minutes: formatNumber(locale, Math.floor(whole / 60)),
    seconds: twoDigits.format(whole % 60),
  });
}

/**
 * The shape of a message catalog. English (`locales/en.ts`) is the complete reference; every other
 * locale must provide the same keys, which the compiler checks through `Messages`.
 * @module
 */
import type { en } from './locales/en.ts';

/** A message that depends on a count, chosen with `Intl.PluralRules`; `other` is required. */
export interface PluralMessage {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
}

/** Every key of the catalog. */
export type MessageKey = keyof typeof en;

/** A complete catalog: plain keys take a string, plural keys a `PluralMessage`. */
export type Messages = {
  [K in MessageKey]: (typeof en)[K] extends string ? string : PluralMessage;
};

/** Keys whose message depends on a count. */
export type PluralKey = {
  [K in MessageKey]: (typeof en)[K] extends string ? never : K;
}[MessageKey];

/** Per-instance replacements a host sets on an element's `strings` property. */
export type MessageOverrides = Partial<Messages>;

/** Values substituted for `{name}` placeholders. */
export type MessageParams = Readonly<Record<string, string | number>>;

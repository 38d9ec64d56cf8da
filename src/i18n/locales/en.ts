/**
 * English, the complete reference catalog: every other locale must provide exactly these keys.
 * Placeholders are `{name}`; plural messages are chosen with `Intl.PluralRules`. Every visible and
 * every ARIA string of the elements lives here.
 *
 * It is kept in parts so that a page loads only the English an element shows: `en-core.ts` always,
 * `en-signin.ts` with `<mfa-signin>`, `en-methods.ts` with `<mfa-method-picker>` and `<mfa-qr>`,
 * `en-enroll.ts` with `<mfa-enroll>`.
 * @module
 */
import type { PluralMessage } from '../types.ts';
import { enCore } from './en-core.ts';
import { enEnroll } from './en-enroll.ts';
import { enMethods } from './en-methods.ts';
import { enSignin } from './en-signin.ts';

export const en = {
  ...enCore,
  ...enSignin,
  ...enMethods,
  ...enEnroll,
} as const satisfies Record<string, string | PluralMessage>;

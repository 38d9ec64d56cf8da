/**
 * The pseudo-locale `en-XA`, generated from English: accented letters, brackets around every
 * message and about 30% more length, so untranslated strings, clipped layouts and concatenated
 * fragments stand out. Placeholders stay untouched so formatting still works.
 * @module
 */
import type { Messages, PluralMessage } from '../types.ts';
import { en } from './en.ts';

const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ACCENTED = 'åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ';
const accents = new Map(Array.from(PLAIN, (ch, i) => [ch, Array.from(ACCENTED)[i] ?? ch]));

// Padding words, so the extra length wraps like real text instead of one unbreakable run.
const PADDING = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';

/** Pseudo-localizes one message; `{placeholders}` are kept exactly. */
export function pseudoLocalize(text: string): string {
  let visible = 0;
  const body = text
    .split(/(\{[A-Za-z0-9_]+\})/)
    .map((part, i) => {
      if (i % 2 === 1) return part; // a placeholder (odd indices are the split's captures)
      visible += part.length;
      return Array.from(part, (ch) => accents.get(ch) ?? ch).join('');
    })
    .join('');
  const extra = Math.ceil(visible * 0.3);
  const words = PADDING.split(' ');
  let padding = '';
  for (let i = 0; padding.length < extra; i += 1) padding += ` ${words[i % words.length] ?? ''}`;
  return `[${body}${padding}]`;
}

function pseudoPlural(message: PluralMessage): PluralMessage {
  const out: PluralMessage = { other: pseudoLocalize(message.other) };
  for (const category of ['zero', 'one', 'two', 'few', 'many'] as const) {
    const form = message[category];
    if (form !== undefined) out[category] = pseudoLocalize(form);
  }
  return out;
}

const english: Messages = en;

const messages = Object.fromEntries(
  Object.entries(english).map(([key, value]) => [
    key,
    typeof value === 'string' ? pseudoLocalize(value) : pseudoPlural(value),
  ]),
) as Messages; // fromEntries loses the key set; it is en's by construction

export default messages;

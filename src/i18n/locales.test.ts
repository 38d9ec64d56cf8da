// Every catalog against the English reference: same keys, same placeholders, the plural forms its
// language needs. Each locale module is imported through the loader a page would use.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { defaultLoaders } from './catalogs.ts';
import { en } from './locales/en.ts';
import { format, placeholders } from './format.ts';
import { pseudoLocalize } from './locales/pseudo.ts';
import { SUPPORTED_LOCALES, isRtl, type Locale } from './resolve.ts';
import type { MessageKey, Messages, PluralMessage } from './types.ts';

const english: Messages = en;
const englishKeys = Object.keys(english).sort();

function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

function pluralForms(message: PluralMessage): string[] {
  return Object.values(message).filter((form): form is string => typeof form === 'string');
}

/** Placeholders of a message; for a plural message, of all its forms together. */
function placeholdersOf(message: string | PluralMessage): string[] {
  const forms = typeof message === 'string' ? [message] : pluralForms(message);
  return sorted(new Set(forms.flatMap((form) => placeholders(form))));
}

async function loadMessages(locale: Locale): Promise<Messages> {
  if (locale === 'en') return english;
  const module = await defaultLoaders[locale]();
  return module.default;
}

const catalogs = new Map<Locale, Messages>();

function catalogOf(locale: Locale): Messages {
  const messages = catalogs.get(locale);
  if (!messages) throw new Error(`${locale} was not loaded`);
  return messages;
}

before(async () => {
  for (const locale of SUPPORTED_LOCALES) catalogs.set(locale, await loadMessages(locale));
});

for (const locale of SUPPORTED_LOCALES) {
  describe(`catalog ${locale}`, () => {
    const categories = sorted(new Intl.PluralRules(locale).resolvedOptions().pluralCategories);

    it('has exactly the keys of English', () => {
      const keys = Object.keys(catalogOf(locale));
      const missing = englishKeys.filter((key) => !keys.includes(key));
      const extra = keys.filter((key) => !englishKeys.includes(key));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
    });

    it('has the kind of message English has, and none empty', () => {
      const messages = catalogOf(locale);
      for (const key of englishKeys as MessageKey[]) {
        const message = messages[key];
        const reference = english[key];
        assert.equal(typeof message, typeof reference, key);
        const forms = typeof message === 'string' ? [message] : pluralForms(message);
        for (const form of forms) assert.notEqual(form.trim(), '', `${key} is empty`);
      }
    });

    it('keeps exactly the placeholders of each English message', () => {
      const messages = catalogOf(locale);
      const wrong: string[] = [];
      for (const key of englishKeys as MessageKey[]) {
        const message = messages[key];
        const reference = english[key];
        const expected = placeholdersOf(reference);
        if (placeholdersOf(message).join() !== expected.join()) {
          wrong.push(`${key}: {${placeholdersOf(message).join('}, {')}}`);
        }
        if (typeof message !== 'string' && typeof reference !== 'string') {
          // Forms for small counts may spell the number out; `other` must show it.
          if (placeholdersOf(message.other).join() !== placeholdersOf(reference.other).join()) {
            wrong.push(`${key}.other`);
          }
        }
      }
      assert.deepEqual(wrong, []);
    });

    it(`gives plural messages exactly the forms ${locale} needs (${categories.join(', ')})`, () => {
      const messages = catalogOf(locale);
      for (const key of englishKeys as MessageKey[]) {
        const message = messages[key];
        if (typeof message === 'string') continue;
        assert.deepEqual(sorted(Object.keys(message)), categories, key);
      }
    });

    if (locale !== 'en' && locale !== 'en-XA') {
      it('is a translation, not a copy of English', () => {
        const messages = catalogOf(locale);
        const same = (englishKeys as MessageKey[]).filter(
          (key) => JSON.stringify(messages[key]) === JSON.stringify(english[key]),
        );
        // Product names and the countdown may rightly stay as they are.
        assert.ok(same.length <= 5, `${same.length} messages equal English: ${same.join(', ')}`);
      });
    }

    it(`is written ${locale === 'ar' || locale === 'he' ? 'right to left' : 'left to right'}`, () => {
      assert.equal(isRtl(locale), locale === 'ar' || locale === 'he');
    });
  });
}

describe('pseudo-locale en-XA', () => {
  it('differs from English in every message and keeps its placeholders', () => {
    const pseudo = catalogOf('en-XA');
    for (const key of englishKeys as MessageKey[]) {
      const message = pseudo[key];
      const reference = english[key];
      assert.notDeepEqual(message, reference, key);
      const pairs: [string, string][] =
        typeof message === 'string' && typeof reference === 'string'
          ? [[message, reference]]
          : typeof message !== 'string' && typeof reference !== 'string'
            ? [
                [message.one ?? '', reference.one ?? ''],
                [message.other, reference.other],
              ]
            : [];
      assert.notEqual(pairs.length, 0, `${key} changed its kind`);
      for (const [form, original] of pairs) {
        assert.deepEqual(placeholders(form), placeholders(original), key);
        assert.ok(form.startsWith('[') && form.endsWith(']'), `${key} is bracketed: ${form}`);
        assert.ok(form.length > original.length, `${key} is longer than English`);
      }
    }
  });

  it('accents letters, pads by about 30 % and leaves placeholders untouched', () => {
    assert.equal(pseudoLocalize('Hello {name}'), '[Ĥéļļö {name} one]');
    const long = pseudoLocalize('Enter the code from your authenticator app');
    assert.match(long, /^\[Éñţéŕ ţĥé çöðé ƒŕöɱ ýöûŕ åûţĥéñţîçåţöŕ åþþ one two three/);
    assert.ok(long.length >= Math.ceil(42 * 1.3) + 2, `padded: ${long}`);
  });

  it('still formats', () => {
    const template = catalogOf('en-XA')['signin.code.sentTo.SMS'];
    assert.match(format(template, { target: '+1 •••• 2671' }), /\+1 •••• 2671/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  format,
  formatCountdown,
  formatNumber,
  formatTime,
  placeholders,
  selectPlural,
} from './format.ts';
import type { PluralMessage } from './types.ts';

describe('format', () => {
  it('fills every placeholder, repeated ones too', () => {
    assert.equal(format('Hello {name}', { name: 'Ada' }), 'Hello Ada');
    assert.equal(format('{a} and {a} and {b_2}', { a: 'x', b_2: 3 }), 'x and x and 3');
    assert.equal(format('{count} left', { count: 0 }), '0 left');
  });

  it('leaves a placeholder without a value visible', () => {
    assert.equal(format('Sent to {target}.'), 'Sent to {target}.');
    assert.equal(
      format('Sent to {target} at {time}.', { time: '3:07' }),
      'Sent to {target} at 3:07.',
    );
  });

  it('does not take values from the prototype chain', () => {
    assert.equal(format('{toString} {constructor}', {}), '{toString} {constructor}');
  });

  it('ignores text that only looks like a placeholder', () => {
    assert.equal(
      format('{not one} {} {-x}', { 'not one': 1, '': 2, '-x': 3 }),
      '{not one} {} {-x}',
    );
  });

  it('inserts values literally, without reading them as templates', () => {
    assert.equal(format('{a}', { a: '{b} $& $1', b: 'no' }), '{b} $& $1');
  });
});

describe('placeholders', () => {
  it('lists each name once, in order of first appearance', () => {
    assert.deepEqual(placeholders('{b} {a} {b}'), ['b', 'a']);
    assert.deepEqual(placeholders('nothing here'), []);
  });
});

describe('selectPlural', () => {
  const full: PluralMessage = {
    zero: 'zero',
    one: 'one',
    two: 'two',
    few: 'few',
    many: 'many',
    other: 'other',
  };

  function forms(locale: string, counts: number[]): string[] {
    return counts.map((count) => selectPlural(locale, full, count));
  }

  it('follows Arabic: zero, one, two, few, many, other', () => {
    assert.deepEqual(forms('ar', [0, 1, 2, 3, 10, 11, 99, 100, 102, 103]), [
      'zero',
      'one',
      'two',
      'few',
      'few',
      'many',
      'many',
      'other',
      'other',
      'few',
    ]);
  });

  it('follows Polish: one, few, many, other', () => {
    assert.deepEqual(forms('pl', [0, 1, 2, 4, 5, 12, 21, 22, 25, 1.5]), [
      'many',
      'one',
      'few',
      'few',
      'many',
      'many',
      'many',
      'few',
      'many',
      'other',
    ]);
  });

  it('uses other for every count in Japanese', () => {
    assert.deepEqual(forms('ja', [0, 1, 2, 5]), ['other', 'other', 'other', 'other']);
  });

  it('follows English: one and other', () => {
    assert.deepEqual(forms('en', [0, 1, 2, 1.5]), ['other', 'one', 'other', 'other']);
  });

  it('falls back to other when the selected form is missing', () => {
    const message: PluralMessage = { one: 'one', other: 'other' };
    assert.equal(selectPlural('ar', message, 0), 'other');
    assert.equal(selectPlural('ar', message, 1), 'one');
    assert.equal(selectPlural('pl', message, 3), 'other');
  });
});

describe('formatCountdown', () => {
  const template = '{minutes}:{seconds}';

  it('shows minutes and two-digit seconds', () => {
    assert.equal(formatCountdown('en', template, 0), '0:00');
    assert.equal(formatCountdown('en', template, 5), '0:05');
    assert.equal(formatCountdown('en', template, 59), '0:59');
    assert.equal(formatCountdown('en', template, 60), '1:00');
    assert.equal(formatCountdown('en', template, 65), '1:05');
    assert.equal(formatCountdown('en', template, 600), '10:00');
    assert.equal(formatCountdown('en', template, 3599), '59:59');
  });

  it('rounds fractions up so it never shows 0:00 while time remains', () => {
    assert.equal(formatCountdown('en', template, 0.2), '0:01');
    assert.equal(formatCountdown('en', template, 59.01), '1:00');
  });

  it('shows 0:00 for negative or non-finite input', () => {
    assert.equal(formatCountdown('en', template, -3), '0:00');
    assert.equal(formatCountdown('en', template, Number.NaN), '0:00');
  });

  it('goes through the locale’s template', () => {
    assert.equal(formatCountdown('en', '{seconds}s, {minutes}m', 125), '05s, 2m');
  });

  it('uses the locale’s digits', () => {
    // ar-EG writes Arabic-Indic digits; the template keeps the colon.
    assert.equal(formatCountdown('ar-EG', template, 65), '١:٠٥');
  });
});

describe('formatNumber and formatTime', () => {
  it('groups digits the locale’s way', () => {
    assert.equal(formatNumber('en', 1234), '1,234');
    assert.equal(formatNumber('de', 1234), '1.234');
  });

  it('shows a short time of day', () => {
    const date = new Date(2024, 0, 2, 15, 7);
    assert.match(formatTime('en', date), /^3:07\s?PM$/);
    assert.equal(formatTime('de', date), '15:07');
    assert.equal(formatTime('de', date.getTime()), '15:07');
  });
});

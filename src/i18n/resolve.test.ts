import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOCALE, SUPPORTED_LOCALES, isRtl, resolveLocale } from './resolve.ts';

describe('resolveLocale', () => {
  it('takes an exact match for every supported locale', () => {
    for (const locale of SUPPORTED_LOCALES) assert.equal(resolveLocale([locale]), locale);
  });

  it('matches case-insensitively and accepts _ for -', () => {
    assert.equal(resolveLocale(['PT-br']), 'pt-BR');
    assert.equal(resolveLocale(['zh-cn']), 'zh-CN');
    assert.equal(resolveLocale(['EN-xa']), 'en-XA');
    assert.equal(resolveLocale(['DE']), 'de');
    assert.equal(resolveLocale(['pt_BR']), 'pt-BR');
    assert.equal(resolveLocale([' fr ']), 'fr');
  });

  it('falls back to a supported locale of the same language', () => {
    assert.equal(resolveLocale(['pt']), 'pt-BR');
    assert.equal(resolveLocale(['pt-PT']), 'pt-BR');
    assert.equal(resolveLocale(['de-AT']), 'de');
    assert.equal(resolveLocale(['de-CH']), 'de');
    assert.equal(resolveLocale(['en-GB']), 'en');
    assert.equal(resolveLocale(['fr-CA']), 'fr');
    assert.equal(resolveLocale(['es-419']), 'es');
    assert.equal(resolveLocale(['ar-EG']), 'ar');
    assert.equal(resolveLocale(['he-IL']), 'he');
    assert.equal(resolveLocale(['ja-JP']), 'ja');
  });

  it('serves Simplified Chinese tags with zh-CN', () => {
    for (const tag of ['zh', 'zh-Hans', 'zh-SG', 'zh-Hans-HK', 'zh-CN', 'zh_Hans_CN']) {
      assert.equal(resolveLocale([tag]), 'zh-CN', tag);
    }
  });

  it('does not serve Traditional Chinese with the Simplified catalog', () => {
    for (const tag of ['zh-TW', 'zh-HK', 'zh-Hant', 'zh-Hant-CN']) {
      assert.equal(resolveLocale([tag]), 'en', tag);
      assert.equal(resolveLocale([tag, 'ja']), 'ja', `${tag} then ja`);
    }
  });

  it('keeps the pseudo-locale apart from English', () => {
    assert.equal(resolveLocale(['en-XA']), 'en-XA');
    assert.equal(resolveLocale(['en-US', 'en-XA']), 'en');
  });

  it('takes the first candidate that matches, skipping unknown and malformed tags', () => {
    assert.equal(resolveLocale(['sv', 'fi', 'nl-BE', 'de']), 'nl');
    assert.equal(resolveLocale(['', '*', 'x', 'not a tag', 'it']), 'it');
    assert.equal(resolveLocale(['fr', 'de']), 'fr');
  });

  it('falls back to English', () => {
    assert.equal(DEFAULT_LOCALE, 'en');
    assert.equal(resolveLocale([]), 'en');
    assert.equal(resolveLocale(['sv-SE', 'ko', 'tlh']), 'en');
    assert.equal(resolveLocale(['', '   ', '*']), 'en');
  });
});

describe('isRtl', () => {
  it('is true for Arabic and Hebrew only', () => {
    for (const locale of SUPPORTED_LOCALES) {
      assert.equal(isRtl(locale), locale === 'ar' || locale === 'he', locale);
    }
  });

  it('looks at the language subtag of any tag', () => {
    assert.equal(isRtl('ar-EG'), true);
    assert.equal(isRtl('HE-il'), true);
    assert.equal(isRtl('en-XA'), false);
    assert.equal(isRtl(''), false);
  });
});

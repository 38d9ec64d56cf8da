/**
 * CSPRNG codes, code hashes, constant-time equality and sealing of secrets at rest.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  codeMatches,
  generateKeys,
  hashCode,
  randomDigits,
  safeEqual,
  seal,
  unseal,
} from './crypto.ts';

describe('randomDigits', () => {
  test('has the requested length and only ASCII digits', () => {
    for (const length of [0, 1, 6, 8, 10]) {
      const code = randomDigits(length);
      assert.equal(code.length, length);
      assert.match(code, /^[0-9]*$/);
    }
  });

  test('every digit turns up about equally often (sanity, not a randomness test)', () => {
    const counts = new Array<number>(10).fill(0);
    const draws = 50_000;
    const text = randomDigits(draws);
    for (const char of text) counts[Number(char)]! += 1;
    // Expected 5000 each, standard deviation ≈ 67: ±600 is ~9 sigma.
    for (const [digit, count] of counts.entries()) {
      assert.ok(count > 4400 && count < 5600, `digit ${digit} appeared ${count} times`);
    }
  });

  test('codes differ, and leading zeros occur (no digit is excluded from the first place)', () => {
    const codes = Array.from({ length: 1000 }, () => randomDigits(6));
    assert.ok(new Set(codes).size > 990, 'codes repeat far too often');
    assert.ok(codes.some((code) => code.startsWith('0')));
    const firstDigits = new Set(codes.map((code) => code[0]));
    assert.equal(firstDigits.size, 10);
  });
});

describe('safeEqual', () => {
  test('equal strings', () => {
    assert.equal(safeEqual('123456', '123456'), true);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual('ünïcödé', 'ünïcödé'), true);
  });

  test('different strings, of the same or another length', () => {
    assert.equal(safeEqual('123456', '123457'), false);
    assert.equal(safeEqual('123456', '1234567'), false);
    assert.equal(safeEqual('1234567', '123456'), false);
    assert.equal(safeEqual('', 'a'), false);
    // Same rendering, different code points: not equal.
    assert.equal(safeEqual('é', 'e\u0301'), false);
  });
});

describe('hashCode / codeMatches', () => {
  const keys = generateKeys();

  test('a keyed SHA-256 hex digest, deterministic', () => {
    const hash = hashCode(keys, 'activate:device-1', '123456');
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hashCode(keys, 'activate:device-1', '123456'), hash);
    assert.equal(hash.includes('123456'), false);
  });

  test('bound to the purpose, the code and the key', () => {
    const hash = hashCode(keys, 'activate:device-1', '123456');
    assert.notEqual(hashCode(keys, 'activate:device-2', '123456'), hash);
    assert.notEqual(hashCode(keys, 'activate:device-1', '123457'), hash);
    assert.notEqual(hashCode(generateKeys(), 'activate:device-1', '123456'), hash);
    // The separator keeps purpose and code apart: "a" + "1…" is not "a1" + "…".
    assert.notEqual(hashCode(keys, 'da:x1', '23456'), hashCode(keys, 'da:x', '123456'));
  });

  test('codeMatches checks a code against a stored hash', () => {
    const stored = hashCode(keys, 'da:abc', '987654');
    assert.equal(codeMatches(keys, 'da:abc', '987654', stored), true);
    assert.equal(codeMatches(keys, 'da:abc', '987655', stored), false);
    assert.equal(codeMatches(keys, 'da:abd', '987654', stored), false);
    assert.equal(codeMatches(keys, 'da:abc', '987654', ''), false);
  });
});

describe('seal / unseal', () => {
  const keys = generateKeys();

  test('round trip', () => {
    for (const plaintext of ['GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', '', 'ünïcödé 🔑']) {
      assert.equal(unseal(keys, seal(keys, plaintext, 'device:1'), 'device:1'), plaintext);
    }
  });

  test('format v1.<iv>.<tag>.<ciphertext>, a fresh IV each time, no plaintext', () => {
    const plaintext = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const sealed = seal(keys, plaintext, 'device:1');
    const [version, iv, tag, data, ...rest] = sealed.split('.');
    assert.equal(version, 'v1');
    assert.equal(Buffer.from(iv ?? '', 'base64url').length, 12);
    assert.equal(Buffer.from(tag ?? '', 'base64url').length, 16);
    assert.equal(Buffer.from(data ?? '', 'base64url').length, Buffer.byteLength(plaintext));
    assert.deepEqual(rest, []);
    assert.equal(sealed.includes(plaintext), false);
    assert.notEqual(seal(keys, plaintext, 'device:1'), sealed);
  });

  test('unseal with another context throws (the context is bound as AAD)', () => {
    const sealed = seal(keys, 'secret', 'device:1');
    assert.throws(() => unseal(keys, sealed, 'device:2'));
    assert.throws(() => unseal(keys, sealed, ''));
  });

  test('unseal with other keys throws', () => {
    const sealed = seal(keys, 'secret', 'device:1');
    assert.throws(() => unseal(generateKeys(), sealed, 'device:1'));
  });

  test('a tampered ciphertext, tag or IV throws', () => {
    const sealed = seal(keys, 'a longer secret value', 'device:1');
    const parts = sealed.split('.') as [string, string, string, string];
    const flip = (part: string): string => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      return bytes.toString('base64url');
    };
    for (const index of [1, 2, 3]) {
      const tampered = [...parts];
      tampered[index] = flip(parts[index]!);
      assert.throws(() => unseal(keys, tampered.join('.'), 'device:1'), `part ${index}`);
    }
    // Truncated ciphertext.
    assert.throws(() =>
      unseal(keys, [parts[0], parts[1], parts[2], parts[3].slice(0, -2)].join('.'), 'device:1'),
    );
  });

  test('an unknown version or a malformed value throws', () => {
    const sealed = seal(keys, 'secret', 'device:1');
    assert.throws(
      () => unseal(keys, sealed.replace(/^v1\./, 'v2.'), 'device:1'),
      /Unrecognised sealed value/,
    );
    assert.throws(() => unseal(keys, 'v1.abc', 'device:1'), /Unrecognised sealed value/);
    assert.throws(() => unseal(keys, 'secret', 'device:1'), /Unrecognised sealed value/);
  });
});

describe('generateKeys', () => {
  test('three independent 32-byte keys', () => {
    const keys = generateKeys();
    for (const key of [keys.pepper, keys.seal, keys.token]) assert.equal(key.length, 32);
    assert.equal(keys.pepper.equals(keys.seal), false);
    assert.equal(keys.seal.equals(keys.token), false);
    assert.equal(generateKeys().pepper.equals(keys.pepper), false);
  });
});

/**
 * HOTP/TOTP against the RFC test vectors (RFC 4226 Appendix D, RFC 6238 Appendix B), the window
 * check, and the key URI.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Secret } from 'otpauth';
import {
  hotp,
  keyUri,
  matchCounter,
  matchTotp,
  newTotpSecret,
  timeStep,
  type OtpSecret,
} from './otp.ts';

/** RFC 4226 / RFC 6238 SHA1 seed: ASCII "12345678901234567890". */
const SHA1_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const base32Of = (ascii: string): string => Secret.fromLatin1(ascii).base32;

const rfc4226: OtpSecret = { secret: SHA1_SEED, algorithm: 'SHA1', digits: 6 };
const totp = { ...rfc4226, period: 30 };

/** RFC 4226 Appendix D, counts 0..9. */
const HOTP_VECTORS = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];

describe('hotp', () => {
  test('the seed is RFC 4226’s ASCII "12345678901234567890"', () => {
    assert.equal(base32Of('12345678901234567890'), SHA1_SEED);
  });

  for (const [count, expected] of HOTP_VECTORS.entries()) {
    test(`RFC 4226 Appendix D, count ${count} → ${expected}`, () => {
      assert.equal(hotp(rfc4226, count), expected);
    });
  }

  test('8 digits keep leading zeros (RFC 6238 T=0x23523EC → 07081804)', () => {
    assert.equal(hotp({ ...rfc4226, digits: 8 }, 0x23523ec), '07081804');
  });
});

describe('timeStep', () => {
  test('T0 = 0, 30 s steps', () => {
    assert.equal(timeStep(0, 30), 0);
    assert.equal(timeStep(29_999, 30), 0);
    assert.equal(timeStep(30_000, 30), 1);
    assert.equal(timeStep(59_000, 30), 1);
    assert.equal(timeStep(60_000, 30), 2);
    assert.equal(timeStep(120_000, 60), 2);
  });

  test('exact past 2038: 20000000000 s → 0x27BC86AA (RFC 6238 Appendix B)', () => {
    assert.equal(timeStep(20_000_000_000 * 1000, 30), 0x27bc86aa);
    assert.equal(timeStep(20_000_000_000 * 1000, 30), 666_666_666);
    assert.equal(timeStep(1_111_111_109 * 1000, 30), 0x23523ec);
    assert.equal(timeStep(1_234_567_890 * 1000, 30), 0x273ef07);
  });
});

describe('RFC 6238 Appendix B (8 digits)', () => {
  const seeds = {
    SHA1: base32Of('12345678901234567890'),
    SHA256: base32Of('12345678901234567890123456789012'),
    SHA512: base32Of('1234567890123456789012345678901234567890123456789012345678901234'),
  } as const;
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  for (const [seconds, sha1, sha256, sha512] of vectors) {
    test(`t = ${seconds}`, () => {
      const expected = { SHA1: sha1, SHA256: sha256, SHA512: sha512 } as const;
      for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
        const spec = { secret: seeds[algorithm], algorithm, digits: 8, period: 30 };
        assert.equal(hotp(spec, timeStep(seconds * 1000, 30)), expected[algorithm], algorithm);
        assert.equal(
          matchTotp(spec, expected[algorithm], seconds * 1000, 0),
          timeStep(seconds * 1000, 30),
          `${algorithm} matches in its own step`,
        );
      }
    });
  }
});

describe('matchTotp', () => {
  const at59 = 59_000;

  test('window ±1 at t = 59 accepts steps 0, 1 and 2 and returns the step', () => {
    assert.equal(matchTotp(totp, HOTP_VECTORS[0]!, at59, 1), 0);
    assert.equal(matchTotp(totp, HOTP_VECTORS[1]!, at59, 1), 1);
    assert.equal(matchTotp(totp, HOTP_VECTORS[2]!, at59, 1), 2);
  });

  test('window ±1 at t = 59 rejects step 3 and beyond', () => {
    assert.equal(matchTotp(totp, HOTP_VECTORS[3]!, at59, 1), undefined);
    assert.equal(matchTotp(totp, HOTP_VECTORS[4]!, at59, 1), undefined);
  });

  test('window 0 accepts only the current step', () => {
    assert.equal(matchTotp(totp, HOTP_VECTORS[1]!, at59, 0), 1);
    assert.equal(matchTotp(totp, HOTP_VECTORS[0]!, at59, 0), undefined);
    assert.equal(matchTotp(totp, HOTP_VECTORS[2]!, at59, 0), undefined);
  });

  test('a wrong code, a shorter or longer one → undefined', () => {
    assert.equal(matchTotp(totp, '000000', at59, 1), undefined);
    assert.equal(matchTotp(totp, '28708', at59, 1), undefined);
    assert.equal(matchTotp(totp, '2870820', at59, 1), undefined);
    assert.equal(matchTotp(totp, '', at59, 1), undefined);
  });

  test('the window never reaches below step 0', () => {
    // At t = 0 with a window of 1, steps -1 (clamped), 0, 1 are searched.
    assert.equal(matchTotp(totp, HOTP_VECTORS[0]!, 0, 1), 0);
    assert.equal(matchTotp(totp, HOTP_VECTORS[1]!, 0, 1), 1);
    assert.equal(matchTotp(totp, HOTP_VECTORS[2]!, 0, 1), undefined);
  });
});

describe('matchCounter', () => {
  test('returns the counter that matched, within [from, to] inclusive', () => {
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[5]!, 3, 7), 5);
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[3]!, 3, 7), 3);
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[7]!, 3, 7), 7);
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[8]!, 3, 7), undefined);
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[2]!, 3, 7), undefined);
  });

  test('an empty range matches nothing', () => {
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[5]!, 6, 5), undefined);
  });

  test('a range below zero is clamped to 0', () => {
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[0]!, -5, 0), 0);
    assert.equal(matchCounter(rfc4226, HOTP_VECTORS[0]!, -5, -1), undefined);
  });

  test('when a code repeats inside the range, the first counter is returned', () => {
    // Find two counters with the same 6-digit code (a birthday collision in a few thousand).
    const seen = new Map<string, number>();
    let pair: [number, number] | undefined;
    for (let counter = 0; counter < 20_000 && !pair; counter++) {
      const code = hotp(rfc4226, counter);
      const earlier = seen.get(code);
      if (earlier !== undefined) pair = [earlier, counter];
      else seen.set(code, counter);
    }
    assert.ok(pair, 'expected a repeated code in 20000 counters');
    const [first, second] = pair;
    assert.equal(matchCounter(rfc4226, hotp(rfc4226, second), first, second), first);
    assert.equal(matchCounter(rfc4226, hotp(rfc4226, second), first + 1, second), second);
  });
});

describe('newTotpSecret', () => {
  test('20 random bytes, base32', () => {
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(Secret.fromBase32(secret).bytes.length, 20);
    assert.notEqual(newTotpSecret(), secret);
  });
});

describe('keyUri', () => {
  test('issuer-prefixed label and the RFC parameters', () => {
    const uri = new URL(
      keyUri({ secret: SHA1_SEED, label: 'alice@example.com', issuer: 'Acme Bank' }),
    );
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Acme Bank:alice@example.com');
    assert.equal(uri.searchParams.get('secret'), SHA1_SEED);
    assert.equal(uri.searchParams.get('issuer'), 'Acme Bank');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
  });

  test('spaces are %20 everywhere (Key URI format), never form-encoding’s +', () => {
    const uri = keyUri({ secret: SHA1_SEED, label: 'Alice Smith', issuer: 'Acme Bank' });
    assert.ok(uri.startsWith('otpauth://totp/Acme%20Bank:Alice%20Smith?'), uri);
    assert.ok(uri.includes('issuer=Acme%20Bank'), uri);
    assert.equal(uri.includes('+'), false, uri);
  });

  test('a colon in the label or issuer is escaped, so the issuer prefix stays unambiguous', () => {
    const uri = keyUri({ secret: SHA1_SEED, label: 'a:b', issuer: 'x:y' });
    assert.ok(uri.startsWith('otpauth://totp/x%3Ay:a%3Ab?'), uri);
  });

  test('no issuer → a bare label and no issuer parameter', () => {
    const uri = new URL(keyUri({ secret: SHA1_SEED, label: 'alice', issuer: '' }));
    assert.equal(uri.pathname, '/alice');
    assert.equal(uri.searchParams.has('issuer'), false);
  });

  test('extra policy parameters are appended', () => {
    const uri = new URL(
      keyUri({
        secret: SHA1_SEED,
        label: 'alice',
        issuer: 'Acme',
        extra: { image: 'https://x/y.png' },
      }),
    );
    assert.equal(uri.searchParams.get('image'), 'https://x/y.png');
  });
});

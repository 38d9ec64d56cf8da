/**
 * WebAuthn in PingOne's encoding: signed-byte arrays out, standard base64 in, and the checks made
 * before a credential reaches the verifier.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { EngineError } from './errors.ts';
import {
  encodeCreationOptions,
  encodeRequestOptions,
  parseAssertion,
  parseAttestation,
  requireAllowedOrigin,
  toBase64Url,
  toSignedBytes,
} from './webauthn.ts';

const bytes = (...values: number[]): Buffer => Buffer.from(values);
const std = (buffer: Buffer): string => buffer.toString('base64');
const url = (buffer: Buffer): string => buffer.toString('base64url');

/** Asserts a 400 INVALID_DATA naming `target`. */
function isInvalid(target: string, message?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof EngineError, `expected an EngineError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'INVALID_DATA');
    assert.equal(error.details?.[0]?.code, 'INVALID_VALUE');
    assert.equal(error.details[0].target, target);
    if (message) assert.match(error.details[0].message, message);
    return true;
  };
}

describe('toSignedBytes', () => {
  test('base64url → signed bytes, as PingOne sends challenge and user.id', () => {
    assert.deepEqual(
      toSignedBytes(url(bytes(0, 1, 127, 128, 200, 255))),
      [0, 1, 127, -128, -56, -1],
    );
    assert.deepEqual(toSignedBytes(''), []);
  });

  test('round trip through Int8Array → Uint8Array gives the original bytes', () => {
    const original = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const signed = toSignedBytes(url(original));
    assert.equal(signed.length, 256);
    assert.ok(signed.every((value) => value >= -128 && value <= 127));
    assert.deepEqual(Buffer.from(new Uint8Array(new Int8Array(signed).buffer)), original);
  });
});

describe('toBase64Url', () => {
  const raw = bytes(0xfb, 0xff, 0xbf, 0x00, 0x3e);

  test('from standard base64 (with + / and padding)', () => {
    assert.equal(std(raw), '+/+/AD4=');
    assert.equal(toBase64Url(std(raw)), '-_-_AD4');
  });

  test('from base64url, with or without padding', () => {
    assert.equal(toBase64Url('-_-_AD4'), '-_-_AD4');
    assert.equal(toBase64Url('-_-_AD4='), '-_-_AD4');
    assert.equal(toBase64Url(''), '');
  });

  test('anything else throws', () => {
    for (const value of ['not base64!', 'a b', 'abc===', '=abc', 'ab\ncd', 'ab.cd']) {
      assert.throws(() => toBase64Url(value), /not base64/, JSON.stringify(value));
    }
  });
});

describe('parseAttestation', () => {
  const id = bytes(...Array.from({ length: 32 }, (_, i) => 250 - i));
  const clientData = Buffer.from('{"type":"webauthn.create"}');
  const attestationObject = bytes(0xa3, 0x63, 0x66, 0x6d, 0x74);

  function credential(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: std(id),
      rawId: std(id),
      type: 'public-key',
      response: {
        clientDataJSON: std(clientData),
        attestationObject: std(attestationObject),
        transports: ['usb'],
      },
      clientExtensionResults: {},
      ...overrides,
    };
  }

  test('accepts a stringified credential with standard base64 and returns base64url', () => {
    const parsed = parseAttestation(JSON.stringify(credential()));
    assert.equal(parsed.id, url(id));
    assert.equal(parsed.rawId, url(id));
    assert.equal(parsed.type, 'public-key');
    assert.equal(parsed.response.clientDataJSON, url(clientData));
    assert.equal(parsed.response.attestationObject, url(attestationObject));
    assert.deepEqual(parsed.response.transports, ['usb']);
    assert.deepEqual(parsed.clientExtensionResults, {});
  });

  test('id and rawId may differ in alphabet only (standard vs url-safe)', () => {
    const parsed = parseAttestation(
      JSON.stringify(credential({ id: url(id), clientExtensionResults: undefined })),
    );
    assert.equal(parsed.id, parsed.rawId);
    assert.deepEqual(parsed.clientExtensionResults, {});
  });

  test('id ≠ rawId → 400', () => {
    const other = bytes(...Array.from({ length: 32 }, (_, i) => i));
    assert.throws(
      () => parseAttestation(JSON.stringify(credential({ rawId: std(other) }))),
      isInvalid('attestation', /differ/),
    );
  });

  test('a credential id over 1023 bytes → 400; 1023 bytes is fine (R-WA-2)', () => {
    const long = Buffer.alloc(1024, 7);
    assert.throws(
      () => parseAttestation(JSON.stringify(credential({ id: std(long), rawId: std(long) }))),
      isInvalid('attestation', /too long/),
    );
    const limit = Buffer.alloc(1023, 7);
    assert.equal(
      parseAttestation(JSON.stringify(credential({ id: std(limit), rawId: std(limit) }))).id,
      url(limit),
    );
  });

  test('not JSON → 400', () => {
    for (const text of ['', 'not json', '{"id":', "{'id':'x'}"]) {
      assert.throws(
        () => parseAttestation(text),
        isInvalid('attestation', /JSON/),
        JSON.stringify(text),
      );
    }
  });

  test('JSON that is not a credential → 400', () => {
    const cases: [string, unknown][] = [
      ['null', null],
      ['an array', [credential()]],
      ['a string', 'credential'],
      ['type other than public-key', credential({ type: 'password' })],
      ['no response', credential({ response: undefined })],
      ['no attestationObject', credential({ response: { clientDataJSON: std(clientData) } })],
      ['id not base64', credential({ id: 'not base64!', rawId: 'not base64!' })],
      ['empty id', credential({ id: '', rawId: '' })],
      ['id a number', credential({ id: 5, rawId: 5 })],
    ];
    for (const [name, value] of cases) {
      assert.throws(
        () => parseAttestation(JSON.stringify(value)),
        isInvalid('attestation', /not a valid credential/),
        name,
      );
    }
  });
});

describe('parseAssertion', () => {
  const id = bytes(1, 2, 3, 4, 5, 6, 7, 8);
  const base = {
    id: std(id),
    rawId: std(id),
    type: 'public-key',
    response: {
      clientDataJSON: std(Buffer.from('{"type":"webauthn.get"}')),
      authenticatorData: std(bytes(9, 9, 9)),
      signature: std(bytes(0xff, 0xfe)),
      userHandle: std(bytes(0xfb, 0xef)),
    },
  };

  test('accepts standard base64 and returns base64url, userHandle included', () => {
    const parsed = parseAssertion(JSON.stringify(base));
    assert.equal(parsed.id, url(id));
    assert.equal(parsed.response.signature, url(bytes(0xff, 0xfe)));
    assert.equal(parsed.response.userHandle, url(bytes(0xfb, 0xef)));
  });

  test('userHandle is optional', () => {
    const response: Record<string, string> = { ...base.response };
    delete response.userHandle;
    const parsed = parseAssertion(JSON.stringify({ ...base, response }));
    assert.equal(parsed.response.userHandle, undefined);
  });

  test('id ≠ rawId, missing signature, or not JSON → 400 naming assertion', () => {
    assert.throws(
      () => parseAssertion(JSON.stringify({ ...base, rawId: std(bytes(1)) })),
      isInvalid('assertion', /differ/),
    );
    const unsigned: Record<string, string> = { ...base.response };
    delete unsigned.signature;
    assert.throws(
      () => parseAssertion(JSON.stringify({ ...base, response: unsigned })),
      isInvalid('assertion'),
    );
    assert.throws(() => parseAssertion('{'), isInvalid('assertion', /JSON/));
  });
});

describe('requireAllowedOrigin', () => {
  const allowed = ['http://localhost:5173'];

  test('the exact origin is allowed', () => {
    assert.doesNotThrow(() => {
      requireAllowedOrigin('http://localhost:5173', allowed);
    });
  });

  test('anything else is refused: port, scheme, trailing slash, case, prefix, suffix', () => {
    for (const origin of [
      'http://localhost:5174',
      'https://localhost:5173',
      'http://localhost:5173/',
      'http://LOCALHOST:5173',
      'http://localhost',
      'http://localhost:51730',
      'http://localhost:5173.evil.example',
      'http://evil.example/http://localhost:5173',
      '',
    ]) {
      assert.throws(
        () => {
          requireAllowedOrigin(origin, allowed);
        },
        isInvalid('origin'),
        origin,
      );
    }
  });

  test('an empty allow-list allows nothing', () => {
    assert.throws(() => {
      requireAllowedOrigin('http://localhost:5173', []);
    }, isInvalid('origin'));
  });
});

describe('encodeCreationOptions / encodeRequestOptions', () => {
  const challenge = url(bytes(0, 128, 255, 1));
  const userId = url(bytes(200, 100));
  const credentialId = url(bytes(1, 250));

  test('creation options: a JSON string with signed-byte challenge, user.id and credential ids, alg strings', () => {
    const options: PublicKeyCredentialCreationOptionsJSON = {
      rp: { id: 'localhost', name: 'mfa-elements' },
      user: { id: userId, name: 'alice', displayName: 'alice' },
      challenge,
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ],
      timeout: 300_000,
      excludeCredentials: [{ id: credentialId, type: 'public-key', transports: ['usb'] }],
      attestation: 'none',
    };
    const encoded = encodeCreationOptions(options);
    assert.equal(typeof encoded, 'string');
    const parsed = JSON.parse(encoded) as Record<string, unknown>;
    assert.deepEqual(parsed.challenge, [0, -128, -1, 1]);
    assert.deepEqual(parsed.user, { id: [-56, 100], name: 'alice', displayName: 'alice' });
    assert.deepEqual(parsed.pubKeyCredParams, [
      { type: 'public-key', alg: '-7' },
      { type: 'public-key', alg: '-257' },
    ]);
    assert.deepEqual(parsed.excludeCredentials, [
      { type: 'public-key', id: [1, -6], transports: ['usb'] },
    ]);
    assert.deepEqual(parsed.rp, { id: 'localhost', name: 'mfa-elements' });
    assert.equal(parsed.timeout, 300_000);
  });

  test('creation options without excludeCredentials get an empty list', () => {
    const parsed = JSON.parse(
      encodeCreationOptions({
        rp: { name: 'x' },
        user: { id: userId, name: 'a', displayName: 'a' },
        challenge,
        pubKeyCredParams: [],
      }),
    ) as Record<string, unknown>;
    assert.deepEqual(parsed.excludeCredentials, []);
  });

  test('request options: signed-byte challenge and allowCredentials ids', () => {
    const options: PublicKeyCredentialRequestOptionsJSON = {
      challenge,
      rpId: 'localhost',
      allowCredentials: [{ id: credentialId, type: 'public-key' }],
      userVerification: 'required',
    };
    const parsed = JSON.parse(encodeRequestOptions(options)) as Record<string, unknown>;
    assert.deepEqual(parsed.challenge, [0, -128, -1, 1]);
    assert.deepEqual(parsed.allowCredentials, [{ type: 'public-key', id: [1, -6] }]);
    assert.equal(parsed.rpId, 'localhost');
    assert.equal(parsed.userVerification, 'required');
  });
});

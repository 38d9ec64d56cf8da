import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { amrFor, createResultSigner, generateResultKey } from './result.ts';

const T0 = Date.UTC(2026, 0, 1);
const ISSUER = 'https://mfa.example/mfa/v1';
const SECRET = 'result-secret-0123456789abcdef-0123456789';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const input = {
  sub: 'alice',
  audience: 'https://app.example',
  amr: ['otp', 'mfa'],
  authTime: Math.floor(T0 / 1000) - 3,
  deviceType: 'TOTP',
};

describe('amrFor', () => {
  test('RFC 8176 values per device type', () => {
    assert.deepEqual(amrFor('SMS'), ['otp', 'sms', 'mfa']);
    assert.deepEqual(amrFor('VOICE'), ['otp', 'tel', 'mfa']);
    assert.deepEqual(amrFor('EMAIL'), ['otp', 'mfa']);
    assert.deepEqual(amrFor('WHATSAPP'), ['otp', 'mfa']);
    assert.deepEqual(amrFor('TOTP'), ['otp', 'mfa']);
    assert.deepEqual(amrFor('OATH_TOKEN'), ['otp', 'hwk', 'mfa']);
    assert.deepEqual(amrFor('FIDO2'), ['hwk', 'pop', 'mfa']);
    assert.deepEqual(amrFor('REMEMBER_ME'), ['mfa']);
    assert.deepEqual(amrFor('SOMETHING_NEW'), ['mfa']);
    assert.deepEqual(amrFor('sms'), ['otp', 'sms', 'mfa']);
  });

  test('returns a fresh array each time', () => {
    const first = amrFor('SMS');
    first.push('tampered');
    assert.deepEqual(amrFor('SMS'), ['otp', 'sms', 'mfa']);
  });
});

describe('result signer', () => {
  test('HS256: verifiable with the secret, all claims present, empty JWKS', async () => {
    const signer = await createResultSigner({ secret: SECRET, issuer: ISSUER, now: () => T0 });
    assert.equal(signer.algorithm, 'HS256');
    assert.deepEqual(signer.jwks(), { keys: [] });
    const token = await signer.sign(input);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      issuer: ISSUER,
      audience: input.audience,
      algorithms: ['HS256'],
      currentDate: new Date(T0),
    });
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(protectedHeader.kid, undefined);
    assert.equal(payload.sub, 'alice');
    assert.deepEqual(payload.amr, ['otp', 'mfa']);
    assert.equal(payload.auth_time, input.authTime);
    assert.equal(payload.iat, T0 / 1000);
    assert.equal(payload.exp, T0 / 1000 + 120);
    assert.equal(payload.mfa_device_type, 'TOTP');
    assert.match(String(payload.jti), /^[A-Za-z0-9_-]{22}$/);
    const again = await jwtVerify(await signer.sign(input), new TextEncoder().encode(SECRET), {
      currentDate: new Date(T0),
    });
    assert.notEqual(again.payload.jti, payload.jti);
  });

  test('authTime in milliseconds is converted to seconds', async () => {
    const signer = await createResultSigner({ secret: SECRET, issuer: ISSUER, now: () => T0 });
    const token = await signer.sign({ ...input, authTime: T0 - 1500 });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), {
      currentDate: new Date(T0),
    });
    assert.equal(payload.auth_time, T0 / 1000 - 2);
  });

  test('custom lifetime', async () => {
    const signer = await createResultSigner({
      secret: SECRET,
      issuer: ISSUER,
      lifetimeSeconds: 30,
      now: () => T0,
    });
    const { payload } = await jwtVerify(
      await signer.sign(input),
      new TextEncoder().encode(SECRET),
      {
        currentDate: new Date(T0),
      },
    );
    assert.equal(payload.exp, T0 / 1000 + 30);
  });

  const pems: [string, string, () => string][] = [
    [
      'EC P-256 PEM',
      'ES256',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
    ],
    [
      'RSA PEM',
      'RS256',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
    ],
    [
      'Ed25519 PEM',
      'EdDSA',
      () =>
        generateKeyPairSync('ed25519').privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
    ],
    [
      'RSA private JWK',
      'RS256',
      () =>
        JSON.stringify(
          generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
        ),
    ],
  ];
  for (const [name, alg, make] of pems) {
    test(`${name} → ${alg}, verifiable through its JWKS`, async () => {
      const signer = await createResultSigner({ privateKey: make(), issuer: ISSUER });
      assert.equal(signer.algorithm, alg);
      const jwks = signer.jwks();
      assert.equal(jwks.keys.length, 1);
      const key = jwks.keys[0]!;
      for (const member of PRIVATE_MEMBERS) {
        assert.ok(!(member in key), `public JWK carries private member ${member}`);
      }
      assert.equal(key.use, 'sig');
      assert.equal(key.alg, alg);
      const token = await signer.sign(input);
      assert.equal(decodeProtectedHeader(token).kid, key.kid);
      const { payload } = await jwtVerify(token, createLocalJWKSet(signer.jwks()), {
        issuer: ISSUER,
        audience: input.audience,
      });
      assert.equal(payload.sub, 'alice');
    });
  }

  test('generateResultKey gives an ES256 private JWK; kid is the RFC 7638 thumbprint', async () => {
    const privateJwk = await generateResultKey();
    const parsed = JSON.parse(privateJwk) as Record<string, unknown>;
    assert.equal(parsed.kty, 'EC');
    assert.equal(parsed.crv, 'P-256');
    assert.equal(typeof parsed.d, 'string');
    const signer = await createResultSigner({ privateKey: privateJwk, issuer: ISSUER });
    assert.equal(signer.algorithm, 'ES256');
    const key = signer.jwks().keys[0]!;
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(
      key.kid,
      await calculateJwkThumbprint({
        kty: 'EC',
        crv: 'P-256',
        x: parsed.x as string,
        y: parsed.y as string,
      }),
    );
    const { payload } = await jwtVerify(await signer.sign(input), createLocalJWKSet(signer.jwks()));
    assert.equal(payload.mfa_device_type, 'TOTP');
  });

  test('a result signed with another key does not verify against the JWKS', async () => {
    const a = await createResultSigner({ privateKey: await generateResultKey(), issuer: ISSUER });
    const b = await createResultSigner({ privateKey: await generateResultKey(), issuer: ISSUER });
    await assert.rejects(jwtVerify(await b.sign(input), createLocalJWKSet(a.jwks())));
  });

  test('configuration errors', async () => {
    await assert.rejects(createResultSigner({ issuer: ISSUER }), TypeError);
    await assert.rejects(
      createResultSigner({ secret: SECRET, privateKey: await generateResultKey(), issuer: ISSUER }),
      TypeError,
    );
    await assert.rejects(createResultSigner({ secret: 'short', issuer: ISSUER }), TypeError);
    await assert.rejects(createResultSigner({ privateKey: 'nonsense', issuer: ISSUER }), TypeError);
    const publicOnly = JSON.parse(await generateResultKey()) as Record<string, unknown>;
    delete publicOnly.d;
    await assert.rejects(
      createResultSigner({ privateKey: JSON.stringify(publicOnly), issuer: ISSUER }),
      TypeError,
    );
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    await assert.rejects(createResultSigner({ privateKey: p384, issuer: ISSUER }), TypeError);
  });
});

/**
 * The security bar's §3 test vectors run through the engine's own code checks, on an injected
 * clock (security-bar.md §4 case 5): RFC 6238 Appendix B (8 digits; SHA1, SHA256, SHA512 with
 * the reference code's seeds) on imported OATH tokens, RFC 4226 Appendix D on an HOTP token, and
 * the ±1 window at t = 59 on an engine-made TOTP device.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOTP, Secret } from 'otpauth';
import { assertError, Harness, MEDIA, type Reply } from '../helpers/engine-harness.ts';

type Algorithm = 'SHA1' | 'SHA256' | 'SHA512';

const ASCII_SEEDS: Record<Algorithm, string> = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
};

/** RFC 6238 Appendix B, as recomputed in security-bar.md §3: Unix time → 8-digit code. */
const RFC6238: Record<Algorithm, readonly (readonly [number, string])[]> = {
  SHA1: [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ],
  SHA256: [
    [59, '46119246'],
    [1111111109, '68084774'],
    [1111111111, '67062674'],
    [1234567890, '91819424'],
    [2000000000, '90698825'],
    [20000000000, '77737706'],
  ],
  SHA512: [
    [59, '90693936'],
    [1111111109, '25091201'],
    [1111111111, '99943326'],
    [1234567890, '93441116'],
    [2000000000, '38618901'],
    [20000000000, '47863826'],
  ],
};

/** RFC 4226 Appendix D: counter 0 … 9. */
const RFC4226 = [
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
] as const;
const RFC4226_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

const base32 = (ascii: string): string => Secret.fromLatin1(ascii).base32;

/** Moves the engine's clock and takes a fresh worker token (tokens live an hour of clock time). */
async function at(h: Harness, unixSeconds: number): Promise<void> {
  h.clock.ms = unixSeconds * 1000;
  h.token = await h.fetchToken();
}

async function importToken(
  h: Harness,
  token: {
    serialNumber: string;
    secret: string;
    type: 'TOTP' | 'HOTP';
    algorithm: Algorithm;
    digits: 6 | 8;
  },
): Promise<void> {
  const res = await h.post('/admin/oathTokens', {
    body: { tokens: [{ ...token, period: 30, counter: 0 }] },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.imported, 1);
}

async function createDevice(
  h: Harness,
  userId: string,
  body: Record<string, unknown>,
): Promise<Reply> {
  const res = await h.post(h.api(`/users/${userId}/devices`), { body });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.status, 'ACTIVATION_REQUIRED');
  return res;
}

function activate(h: Harness, userId: string, deviceId: string, otp: string): Promise<Reply> {
  return h.post(h.api(`/users/${userId}/devices/${deviceId}`), {
    type: MEDIA.activate,
    body: { otp },
  });
}

/** Starts a device authentication (the only device is selected on its own) and checks `otp`. */
async function signIn(h: Harness, userId: string, otp: string): Promise<Reply> {
  const started = await h.post(h.auth('/deviceAuthentications'), {
    body: { user: { id: userId } },
  });
  assert.equal(started.status, 201, started.text);
  assert.equal(started.body.status, 'OTP_REQUIRED', started.text);
  const id = started.body.id as string;
  return h.post(h.auth(`/deviceAuthentications/${id}`), { type: MEDIA.otpCheck, body: { otp } });
}

function assertCompleted(reply: Reply, what: string): void {
  assert.equal(reply.status, 200, `${what}: ${reply.text}`);
  assert.equal(reply.body.status, 'COMPLETED', `${what}: ${reply.text}`);
}

/** A code of the same length that is certainly not `code` (every digit changed). */
const wrongCode = (code: string): string =>
  code.replace(/[0-9]/g, (digit) => String((Number(digit) + 5) % 10));

function deviceRow(
  h: Harness,
  id: string,
): { last_step: number | null; failures: number; status: string } {
  const row = h.engine.context.db
    .prepare('SELECT last_step, failures, status FROM devices WHERE id = ?')
    .get(id) as { last_step: number | null; failures: number; status: string } | undefined;
  assert.ok(row, `device ${id} exists`);
  return row;
}

describe('RFC 6238 Appendix B through OATH_TOKEN devices (8 digits, T0 = 0, X = 30)', () => {
  for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
    it(`${algorithm}: activates at t = 59 and signs in at every later vector time`, async () => {
      assert.equal(base32(ASCII_SEEDS.SHA1), RFC4226_SECRET);
      const h = await Harness.start({ seedDemoToken: false });
      try {
        const serialNumber = `RFC6238-${algorithm}`;
        await importToken(h, {
          serialNumber,
          secret: base32(ASCII_SEEDS[algorithm]),
          type: 'TOTP',
          algorithm,
          digits: 8,
        });
        const vectors = RFC6238[algorithm];
        const [first, ...later] = vectors;
        assert.ok(first);

        await at(h, first[0]);
        const userId = await h.createUser();
        const device = await createDevice(h, userId, { type: 'OATH_TOKEN', serialNumber });
        const deviceId = device.body.id as string;
        const activated = await activate(h, userId, deviceId, first[1]);
        assert.equal(activated.status, 200, activated.text);
        assert.equal(activated.body.status, 'ACTIVE');
        assert.equal(deviceRow(h, deviceId).last_step, Math.floor(first[0] / 30));

        let previous = first;
        for (const [time, code] of later) {
          await at(h, time);
          assertCompleted(await signIn(h, userId, code), `${algorithm} at ${time}`);
          // The step is stored as is: 64-bit T, exact past 2038 (20000000000 → 0x27BC86AA).
          assert.equal(deviceRow(h, deviceId).last_step, Math.floor(time / 30));
          if (time - previous[0] === 2) {
            // 1111111109 and 1111111111 are adjacent steps: the older one, still inside the ±1
            // window, is dead once the newer one has succeeded (security-bar §4 case 2).
            assertError(await signIn(h, userId, previous[1]), 400, 'INVALID_DATA', 'OTP_REPLAYED');
          }
          previous = [time, code];
        }

        // At the last vector time: the same code again is a replay, a wrong 8-digit code fails.
        const [lastTime, lastCode] = previous;
        assert.equal(lastTime, 20000000000);
        assertError(await signIn(h, userId, lastCode), 400, 'INVALID_DATA', 'OTP_REPLAYED');
        assertError(
          await signIn(h, userId, wrongCode(lastCode)),
          400,
          'INVALID_DATA',
          'INVALID_OTP',
        );
        // The 6-digit truncation of a correct code is not accepted for an 8-digit token.
        const short = await signIn(h, userId, lastCode.slice(-6));
        assertError(short, 400, 'INVALID_DATA', 'INVALID_OTP');
        assert.equal(deviceRow(h, deviceId).failures, 3);
        assert.equal(deviceRow(h, deviceId).last_step, Math.floor(lastTime / 30));
        assert.ok(h.events.some((event) => event.event === 'authentication.otp_replayed'));
      } finally {
        h.close();
      }
    });
  }

  it('rejects an 8-digit vector code one step outside the window', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      await importToken(h, {
        serialNumber: 'RFC6238-WINDOW',
        secret: base32(ASCII_SEEDS.SHA1),
        type: 'TOTP',
        algorithm: 'SHA1',
        digits: 8,
      });
      await at(h, 59);
      const userId = await h.createUser();
      const device = await createDevice(h, userId, {
        type: 'OATH_TOKEN',
        serialNumber: 'RFC6238-WINDOW',
      });
      const deviceId = device.body.id as string;
      assert.equal((await activate(h, userId, deviceId, '94287082')).status, 200);
      // 1111111111 is step 0x23523ED; at 1111111111 + 60 s the current step is two past it.
      await at(h, 1111111111 + 60);
      assertError(await signIn(h, userId, '14050471'), 400, 'INVALID_DATA', 'INVALID_OTP');
      await at(h, 1111111111 + 30);
      assertCompleted(await signIn(h, userId, '14050471'), 'one step behind, inside ±1');
    } finally {
      h.close();
    }
  });
});

describe('RFC 4226 Appendix D through an HOTP OATH_TOKEN device', () => {
  it('activates with counter 0, signs in with counters 1 … 9 in turn, and refuses a replay', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      await importToken(h, {
        serialNumber: 'RFC4226',
        secret: RFC4226_SECRET,
        type: 'HOTP',
        algorithm: 'SHA1',
        digits: 6,
      });
      const userId = await h.createUser();
      const device = await createDevice(h, userId, { type: 'OATH_TOKEN', serialNumber: 'RFC4226' });
      const deviceId = device.body.id as string;
      assert.equal(deviceRow(h, deviceId).last_step, -1);
      const activated = await activate(h, userId, deviceId, RFC4226[0]);
      assert.equal(activated.status, 200, activated.text);
      assert.equal(deviceRow(h, deviceId).last_step, 0);

      for (let counter = 1; counter < RFC4226.length; counter++) {
        const code = RFC4226[counter];
        assert.ok(code);
        assertCompleted(await signIn(h, userId, code), `HOTP counter ${counter}`);
        assert.equal(deviceRow(h, deviceId).last_step, counter);
      }
      // Counter 1 was used long ago: it fails, and so does the last one used.
      assertError(await signIn(h, userId, '287082'), 400, 'INVALID_DATA');
      assertError(await signIn(h, userId, '520489'), 400, 'INVALID_DATA');
      assert.equal(deviceRow(h, deviceId).last_step, 9);
      assert.equal(deviceRow(h, deviceId).failures, 2);
    } finally {
      h.close();
    }
  });

  it('looks ahead exactly 10 counters during sign-in', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      const spec = {
        secret: Secret.fromBase32(RFC4226_SECRET),
        algorithm: 'SHA1',
        digits: 6,
      } as const;
      const code = (counter: number): string => HOTP.generate({ ...spec, counter });
      assert.equal(code(9), '520489', 'otpauth agrees with RFC 4226');
      const results: Record<number, number> = {};
      for (const ahead of [10, 11]) {
        const serialNumber = `HOTP-AHEAD-${ahead}`;
        await importToken(h, {
          serialNumber,
          secret: RFC4226_SECRET,
          type: 'HOTP',
          algorithm: 'SHA1',
          digits: 6,
        });
        const userId = await h.createUser();
        const device = await createDevice(h, userId, { type: 'OATH_TOKEN', serialNumber });
        assert.equal((await activate(h, userId, device.body.id as string, code(0))).status, 200);
        // After counter 0 the next expected is 1; the look-ahead covers 1 … 10.
        results[ahead] = (await signIn(h, userId, code(ahead))).status;
      }
      assert.deepEqual(results, { 10: 200, 11: 400 });
    } finally {
      h.close();
    }
  });
});

describe('TOTP window ±1 at t = 59 on engine-made TOTP devices (6 digits, SHA1)', () => {
  const codeFor = (secret: string, step: number): string =>
    HOTP.generate({
      secret: Secret.fromBase32(secret),
      algorithm: 'SHA1',
      digits: 6,
      counter: step,
    });

  async function newTotpDevice(
    h: Harness,
  ): Promise<{ userId: string; deviceId: string; secret: string }> {
    const userId = await h.createUser();
    const created = await createDevice(h, userId, { type: 'TOTP' });
    const secret = created.body.secret;
    assert.equal(typeof secret, 'string');
    assert.equal(Secret.fromBase32(secret as string).bytes.length, 20, 'a 20-byte seed (R-OTP-1)');
    return { userId, deviceId: created.body.id as string, secret: secret as string };
  }

  it('activation at t = 59 (step 1) accepts steps 0, 1 and 2 and rejects step 3', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      await at(h, 59);
      const outcome: Record<number, number> = {};
      for (const step of [0, 1, 2, 3, 4]) {
        const { userId, deviceId, secret } = await newTotpDevice(h);
        const res = await activate(h, userId, deviceId, codeFor(secret, step));
        outcome[step] = res.status;
        const row = deviceRow(h, deviceId);
        if (res.status === 200) {
          assert.equal(row.status, 'ACTIVE');
          assert.equal(row.last_step, step);
        } else {
          assertError(res, 400, 'INVALID_DATA', 'INVALID_OTP');
          assert.equal(
            row.status,
            'ACTIVATION_REQUIRED',
            'a failed first code leaves no active factor',
          );
          assert.equal(row.failures, 1);
        }
      }
      assert.deepEqual(outcome, { 0: 200, 1: 200, 2: 200, 3: 400, 4: 400 });
    } finally {
      h.close();
    }
  });

  it('sign-in accepts the current step ± 1 only, and a success blocks older steps', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      const outcome: Record<number, number> = {};
      // Activated at t = 59 with step 0; signing in ten steps later, at step 11 (t = 359).
      for (const step of [9, 10, 11, 12, 13]) {
        await at(h, 59);
        const { userId, deviceId, secret } = await newTotpDevice(h);
        assert.equal((await activate(h, userId, deviceId, codeFor(secret, 0))).status, 200);
        await at(h, 359);
        const res = await signIn(h, userId, codeFor(secret, step));
        outcome[step] = res.status;
        if (res.status === 200) {
          assert.equal(deviceRow(h, deviceId).last_step, step);
          // Every step up to the accepted one is now dead, even inside the window.
          for (const older of [10, 11, 12].filter((candidate) => candidate <= step)) {
            assertError(
              await signIn(h, userId, codeFor(secret, older)),
              400,
              'INVALID_DATA',
              'OTP_REPLAYED',
            );
          }
        } else {
          // ±2 steps away: INVALID_OTP, and the failure counter goes up (security-bar §4 case 3).
          assertError(res, 400, 'INVALID_DATA', 'INVALID_OTP');
          assert.equal(deviceRow(h, deviceId).failures, 1);
          assert.equal(deviceRow(h, deviceId).last_step, 0);
        }
      }
      assert.deepEqual(outcome, { 9: 400, 10: 200, 11: 200, 12: 200, 13: 400 });
    } finally {
      h.close();
    }
  });
});

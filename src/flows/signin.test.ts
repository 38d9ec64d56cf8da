import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MfaErrorCode } from '../client/client.ts';
import {
  AUTHENTICATION_STATUSES,
  type AuthenticationStatus,
  type AuthenticationView,
  type DeviceView,
} from '../protocol/schemas.ts';
import { classifyCeremonyError, codeLength, SESSION_FATAL, type FlowError } from './common.ts';
import {
  initialSigninState,
  transition,
  voiceAlternative,
  type SigninEvent,
  type SigninState,
} from './signin.ts';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

const sms: DeviceView = { id: 'dev-sms', type: 'SMS', status: 'ACTIVE', target: '+1******2671' };
const voice: DeviceView = {
  id: 'dev-voice',
  type: 'VOICE',
  status: 'ACTIVE',
  target: '+4****0000',
};
const email: DeviceView = { id: 'dev-email', type: 'EMAIL', status: 'ACTIVE', target: 'a***@x.io' };
const totp: DeviceView = { id: 'dev-totp', type: 'TOTP', status: 'ACTIVE' };
const oath: DeviceView = { id: 'dev-oath', type: 'OATH_TOKEN', status: 'ACTIVE' };
const fido: DeviceView = { id: 'dev-fido', type: 'FIDO2', status: 'ACTIVE' };
const devices = [sms, voice, email, totp, oath, fido];

const requestOptions = { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost', allowCredentials: [] };

function view(status: AuthenticationStatus, extra: Partial<AuthenticationView> = {}) {
  return { id: 'auth-1', status, devices, rememberBrowser: false, ...extra };
}

type Step = SigninState['step'];
type At<S extends Step> = Extract<SigninState, { step: S }>;

/** Narrows `state` to `step`, failing the test otherwise. */
function at<S extends Step>(state: SigninState, step: S): At<S> {
  assert.equal(state.step, step, `expected step ${step}: ${JSON.stringify(state)}`);
  return state as At<S>;
}

const run = (events: SigninEvent[], from: SigninState = initialSigninState): SigninState =>
  events.reduce(transition, from);

const loaded = (auth: AuthenticationView, now = NOW): SigninEvent => ({
  type: 'LOADED',
  auth,
  now,
});
const failedWith = (error: FlowError, now = NOW): SigninEvent => ({
  type: 'FAILED',
  error,
  now,
});

const codeStep = (device: DeviceView = sms): At<'code'> =>
  at(run([loaded(view('OTP_REQUIRED', { selectedDeviceId: device.id }))]), 'code');
const fidoStep = (): At<'fido'> =>
  at(
    run([
      loaded(
        view('ASSERTION_REQUIRED', { selectedDeviceId: fido.id, publicKeyOptions: requestOptions }),
      ),
    ]),
    'fido',
  );
const chooseStep = (): At<'choose'> =>
  at(run([loaded(view('DEVICE_SELECTION_REQUIRED'))]), 'choose');
const doneState: SigninState = { step: 'done', result: 'jwt', method: 'SMS' };
const failedState: SigninState = {
  step: 'failed',
  error: { code: 'INVALID_STATE' },
  restartable: true,
};

describe('sign-in machine: the authentication view decides the step', () => {
  it('starts in `starting`; START goes back there from anywhere', () => {
    assert.deepEqual(initialSigninState, { step: 'starting' });
    for (const state of [codeStep(), fidoStep(), doneState, failedState]) {
      assert.deepEqual(transition(state, { type: 'START' }), { step: 'starting' });
    }
  });

  it('every status has a step', () => {
    const expected: Record<AuthenticationStatus, Step> = {
      DEVICE_SELECTION_REQUIRED: 'choose',
      OTP_REQUIRED: 'code',
      ASSERTION_REQUIRED: 'fido',
      PUSH_CONFIRMATION_REQUIRED: 'failed',
      PUSH_CONFIRMATION_TIMED_OUT: 'failed',
      COMPLETED: 'done',
      FAILED: 'failed',
    };
    for (const status of AUTHENTICATION_STATUSES) {
      const auth = view(status, {
        selectedDeviceId: status === 'ASSERTION_REQUIRED' ? fido.id : sms.id,
        ...(status === 'COMPLETED' ? { result: 'jwt' } : {}),
      });
      assert.equal(run([loaded(auth)]).step, expected[status], status);
    }
  });

  it('DEVICE_SELECTION_REQUIRED → choose, not busy, with the view', () => {
    const auth = view('DEVICE_SELECTION_REQUIRED');
    assert.deepEqual(run([loaded(auth)]), { step: 'choose', auth, busy: false });
  });

  for (const device of [sms, voice, email]) {
    it(`OTP_REQUIRED for ${device.type} → code, resend offered after the cool-down`, () => {
      const auth = view('OTP_REQUIRED', { selectedDeviceId: device.id });
      assert.deepEqual(run([loaded(auth)]), {
        step: 'code',
        auth,
        device,
        busy: false,
        resent: false,
        resendAvailableAt: NOW + 30_000,
      });
    });
  }

  for (const device of [totp, oath]) {
    it(`OTP_REQUIRED for ${device.type} → code, nothing to resend`, () => {
      const state = codeStep(device);
      assert.equal(state.device, device);
      assert.equal('resendAvailableAt' in state, false, 'no resend for a code the user reads');
    });
  }

  it('OTP_REQUIRED without a known selected device → BAD_RESPONSE, restartable', () => {
    const bad = { step: 'failed', error: { code: 'BAD_RESPONSE' }, restartable: true };
    assert.deepEqual(run([loaded(view('OTP_REQUIRED'))]), bad);
    assert.deepEqual(run([loaded(view('OTP_REQUIRED', { selectedDeviceId: 'other' }))]), bad);
  });

  it('a locked device shows until when; an unreadable date is ignored', () => {
    const locked = { ...sms, lockedUntil: '2026-11-22T12:05:00.000Z' };
    const state = at(
      run([loaded(view('OTP_REQUIRED', { devices: [locked], selectedDeviceId: sms.id }))]),
      'code',
    );
    assert.equal(state.lockedUntil, Date.parse('2026-11-22T12:05:00.000Z'));
    const garbled = { ...sms, lockedUntil: 'soon' };
    const other = at(
      run([loaded(view('OTP_REQUIRED', { devices: [garbled], selectedDeviceId: sms.id }))]),
      'code',
    );
    assert.equal(other.lockedUntil, undefined);
  });

  it('ASSERTION_REQUIRED → fido, not waiting; the device may be unknown (passkey picker)', () => {
    const state = fidoStep();
    assert.equal(state.device, fido);
    assert.equal(state.waiting, false);
    assert.equal(state.busy, false);
    const picker = at(run([loaded(view('ASSERTION_REQUIRED'))]), 'fido');
    assert.equal(picker.device, undefined);
  });

  it('COMPLETED → done with the result and the method used', () => {
    assert.deepEqual(
      run([loaded(view('COMPLETED', { selectedDeviceId: voice.id, result: 'jwt' }))]),
      { step: 'done', result: 'jwt', method: 'VOICE' },
    );
    assert.deepEqual(run([loaded(view('COMPLETED', { result: 'jwt' }))]), {
      step: 'done',
      result: 'jwt',
      method: 'REMEMBER_ME',
    });
  });

  it('COMPLETED without a result → BAD_RESPONSE', () => {
    assert.deepEqual(run([loaded(view('COMPLETED', { selectedDeviceId: sms.id }))]), {
      step: 'failed',
      error: { code: 'BAD_RESPONSE' },
      restartable: true,
    });
  });

  it('FAILED → failed INVALID_STATE, restartable; push statuses → BAD_RESPONSE', () => {
    assert.deepEqual(run([loaded(view('FAILED', { failure: 'EXPIRED' }))]), {
      step: 'failed',
      error: { code: 'INVALID_STATE' },
      restartable: true,
    });
    for (const status of ['PUSH_CONFIRMATION_REQUIRED', 'PUSH_CONFIRMATION_TIMED_OUT'] as const) {
      assert.deepEqual(run([loaded(view(status))]), {
        step: 'failed',
        error: { code: 'BAD_RESPONSE' },
        restartable: true,
      });
    }
  });
});

describe('sign-in machine: errors in the code step', () => {
  it('OTP_INVALID shows the error and keeps attemptsRemaining', () => {
    const state = at(
      run(
        [{ type: 'REQUEST' }, failedWith({ code: 'OTP_INVALID', attemptsRemaining: 2 })],
        codeStep(),
      ),
      'code',
    );
    assert.equal(state.busy, false);
    assert.deepEqual(state.error, { code: 'OTP_INVALID', attemptsRemaining: 2 });
    assert.equal(state.attemptsRemaining, 2);
    // An answer without a count keeps the last one shown.
    const again = at(transition(state, failedWith({ code: 'OTP_INVALID' })), 'code');
    assert.equal(again.attemptsRemaining, 2);
  });

  it('the wrong code that uses up the last attempt locks the step at once', () => {
    const lockedUntil = '2026-11-22T12:05:00.000Z';
    const state = at(
      run([failedWith({ code: 'OTP_INVALID', attemptsRemaining: 0, lockedUntil })], codeStep()),
      'code',
    );
    assert.equal(state.attemptsRemaining, 0);
    assert.equal(state.lockedUntil, Date.parse(lockedUntil));
  });

  it('attemptsRemaining survives a new view of the same device, not of another one', () => {
    const wrong = run([failedWith({ code: 'OTP_INVALID', attemptsRemaining: 1 })], codeStep());
    const same = at(
      transition(wrong, loaded(view('OTP_REQUIRED', { selectedDeviceId: sms.id }))),
      'code',
    );
    assert.equal(same.attemptsRemaining, 1);
    assert.equal(same.error, undefined, 'a fresh view clears the error');
    const other = at(
      transition(wrong, loaded(view('OTP_REQUIRED', { selectedDeviceId: voice.id }))),
      'code',
    );
    assert.equal(other.device, voice);
    assert.equal(other.attemptsRemaining, undefined);
  });

  it('AUTHENTICATOR_LOCKED uses lockedUntil and forgets the attempts left', () => {
    const state = at(
      run(
        [
          failedWith({ code: 'OTP_INVALID', attemptsRemaining: 1 }),
          failedWith({ code: 'AUTHENTICATOR_LOCKED', lockedUntil: '2026-11-22T12:02:00.000Z' }),
        ],
        codeStep(),
      ),
      'code',
    );
    assert.equal(state.lockedUntil, Date.parse('2026-11-22T12:02:00.000Z'));
    assert.equal(state.attemptsRemaining, undefined);
    assert.equal(state.error?.code, 'AUTHENTICATOR_LOCKED');
  });

  it('AUTHENTICATOR_LOCKED without a date: retryAfterSeconds, else a minute', () => {
    const byRetry = at(
      transition(codeStep(), failedWith({ code: 'AUTHENTICATOR_LOCKED', retryAfterSeconds: 90 })),
      'code',
    );
    assert.equal(byRetry.lockedUntil, NOW + 90_000);
    const byDefault = at(
      transition(codeStep(), failedWith({ code: 'AUTHENTICATOR_LOCKED' })),
      'code',
    );
    assert.equal(byDefault.lockedUntil, NOW + 60_000);
    const garbled = at(
      transition(codeStep(), failedWith({ code: 'AUTHENTICATOR_LOCKED', lockedUntil: 'never' })),
      'code',
    );
    assert.equal(garbled.lockedUntil, NOW + 60_000);
  });

  it('RESEND_TOO_SOON moves resendAvailableAt', () => {
    const later = NOW + 5_000;
    const state = at(
      transition(codeStep(), failedWith({ code: 'RESEND_TOO_SOON', retryAfterSeconds: 25 }, later)),
      'code',
    );
    assert.equal(state.resendAvailableAt, later + 25_000);
    assert.equal(state.error?.code, 'RESEND_TOO_SOON');
    const byDefault = at(
      transition(codeStep(), failedWith({ code: 'RESEND_TOO_SOON' }, later)),
      'code',
    );
    assert.equal(byDefault.resendAvailableAt, later + 30_000);
  });

  it('any other error is shown in the step', () => {
    for (const code of ['OTP_EXPIRED', 'NETWORK', 'RATE_LIMITED', 'OTP_FORMAT'] as const) {
      const state = at(transition(codeStep(), failedWith({ code })), 'code');
      assert.deepEqual(state.error, { code });
      assert.equal(state.busy, false);
    }
  });
});

describe('sign-in machine: failures that end the step', () => {
  const fatal: readonly MfaErrorCode[] = [
    'SESSION_REQUIRED',
    'TICKET_INVALID',
    'TICKET_EXPIRED',
    'TICKET_REPLAYED',
    'PURPOSE_FORBIDDEN',
    'CSRF_REJECTED',
    'ORIGIN_FORBIDDEN',
  ];

  it('the fatal list is the one documented', () => {
    assert.deepEqual([...SESSION_FATAL].sort(), [...fatal].sort());
  });

  for (const code of fatal) {
    it(`${code} → failed, not restartable, from any step`, () => {
      for (const state of [initialSigninState, chooseStep(), codeStep(), fidoStep()]) {
        assert.deepEqual(transition(state, failedWith({ code })), {
          step: 'failed',
          error: { code },
          restartable: false,
        });
      }
    });
  }

  for (const code of ['AUTHENTICATION_NOT_FOUND', 'INVALID_STATE'] as const) {
    it(`${code} → failed, restartable`, () => {
      assert.deepEqual(transition(codeStep(), failedWith({ code })), {
        step: 'failed',
        error: { code },
        restartable: true,
      });
    });
  }

  it('a failure while starting → failed, restartable', () => {
    assert.deepEqual(transition(initialSigninState, failedWith({ code: 'NETWORK' })), {
      step: 'failed',
      error: { code: 'NETWORK' },
      restartable: true,
    });
  });

  it('in choose and fido an error stays in the step', () => {
    const choose = at(
      run(
        [{ type: 'REQUEST' }, failedWith({ code: 'RESEND_TOO_SOON', retryAfterSeconds: 9 })],
        chooseStep(),
      ),
      'choose',
    );
    assert.equal(choose.busy, false);
    assert.equal(choose.error?.code, 'RESEND_TOO_SOON');
    const fidoState = at(
      run([{ type: 'REQUEST' }, failedWith({ code: 'CREDENTIAL_INVALID' })], fidoStep()),
      'fido',
    );
    assert.equal(fidoState.busy, false);
    assert.equal(fidoState.error?.code, 'CREDENTIAL_INVALID');
  });

  it('a refused assertion after the ceremony leaves the prompt closed (waiting: false)', () => {
    // The driver dispatches CEREMONY_STARTED, then REQUEST when the credential is sent.
    const state = at(
      run(
        [
          { type: 'CEREMONY_STARTED' },
          { type: 'REQUEST' },
          failedWith({ code: 'CREDENTIAL_INVALID' }),
        ],
        fidoStep(),
      ),
      'fido',
    );
    assert.equal(state.error?.code, 'CREDENTIAL_INVALID');
    assert.equal(state.busy, false);
    assert.equal(state.waiting, false, 'the step must not keep showing the open prompt');
  });
});

describe('sign-in machine: requests, devices and ceremonies', () => {
  it('REQUEST sets busy and clears the error in every active step', () => {
    const withError = (state: SigninState) =>
      transition(state, failedWith({ code: 'RATE_LIMITED' }));
    for (const state of [chooseStep(), codeStep(), fidoStep()]) {
      const next = transition(withError(state), { type: 'REQUEST' });
      assert.equal(next.step, state.step);
      assert.ok('busy' in next && next.busy, `${state.step} is busy`);
      assert.equal('error' in next, false, `${state.step} has no error`);
    }
  });

  it('REQUEST in the code step forgets "a new code was sent"', () => {
    const resent = transition(codeStep(), {
      type: 'RESENT',
      auth: view('OTP_REQUIRED', { selectedDeviceId: sms.id }),
      now: NOW,
    });
    assert.equal(at(resent, 'code').resent, true);
    assert.equal(at(transition(resent, { type: 'REQUEST' }), 'code').resent, false);
  });

  it('REQUEST in the fido step forgets the last ceremony outcome', () => {
    const cancelled = run(
      [{ type: 'CEREMONY_STARTED' }, { type: 'CEREMONY_FAILED', outcome: 'cancelled' }],
      fidoStep(),
    );
    assert.equal(at(cancelled, 'fido').ceremony, 'cancelled');
    assert.equal('ceremony' in at(transition(cancelled, { type: 'REQUEST' }), 'fido'), false);
  });

  it('RESENT marks the code step and restarts the cool-down', () => {
    const later = NOW + 40_000;
    const state = at(
      transition(codeStep(), {
        type: 'RESENT',
        auth: view('OTP_REQUIRED', { selectedDeviceId: sms.id }),
        now: later,
      }),
      'code',
    );
    assert.equal(state.resent, true);
    assert.equal(state.resendAvailableAt, later + 30_000);
    const elsewhere = transition(codeStep(), {
      type: 'RESENT',
      auth: view('DEVICE_SELECTION_REQUIRED'),
      now: later,
    });
    assert.equal(elsewhere.step, 'choose');
  });

  it('SHOW_DEVICES goes to the chooser with the same view, not busy', () => {
    for (const state of [codeStep(), fidoStep(), chooseStep()]) {
      const busy = transition(transition(state, failedWith({ code: 'NETWORK' })), {
        type: 'REQUEST',
      });
      assert.deepEqual(transition(busy, { type: 'SHOW_DEVICES' }), {
        step: 'choose',
        auth: state.auth,
        busy: false,
      });
    }
  });

  it('SHOW_DEVICES without devices, or outside an active step, changes nothing', () => {
    const lonely = at(run([loaded(view('ASSERTION_REQUIRED', { devices: [] }))]), 'fido');
    assert.equal(transition(lonely, { type: 'SHOW_DEVICES' }), lonely);
    for (const state of [initialSigninState, doneState, failedState]) {
      assert.equal(transition(state, { type: 'SHOW_DEVICES' }), state);
    }
  });

  it('CEREMONY_STARTED waits for the prompt; CEREMONY_FAILED records how it ended', () => {
    const withError = transition(fidoStep(), failedWith({ code: 'CREDENTIAL_INVALID' }));
    const waiting = at(transition(withError, { type: 'CEREMONY_STARTED' }), 'fido');
    assert.equal(waiting.waiting, true);
    assert.equal(waiting.busy, true);
    assert.equal(waiting.error, undefined);
    for (const outcome of ['cancelled', 'unsupported', 'alreadyRegistered', 'failed'] as const) {
      const ended = at(transition(waiting, { type: 'CEREMONY_FAILED', outcome }), 'fido');
      assert.equal(ended.waiting, false);
      assert.equal(ended.busy, false);
      assert.equal(ended.ceremony, outcome);
    }
  });

  it('events outside their step return the same state object', () => {
    const code = codeStep();
    const choose = chooseStep();
    const cases: [SigninState, SigninEvent][] = [
      [initialSigninState, { type: 'REQUEST' }],
      [doneState, { type: 'REQUEST' }],
      [failedState, { type: 'REQUEST' }],
      [code, { type: 'CEREMONY_STARTED' }],
      [choose, { type: 'CEREMONY_STARTED' }],
      [doneState, { type: 'CEREMONY_STARTED' }],
      [code, { type: 'CEREMONY_FAILED', outcome: 'cancelled' }],
      [initialSigninState, { type: 'CEREMONY_FAILED', outcome: 'cancelled' }],
    ];
    for (const [state, event] of cases) {
      assert.equal(transition(state, event), state, `${event.type} in ${state.step}`);
    }
  });
});

describe('sign-in machine: call me instead', () => {
  it('offers the voice device from an SMS code step', () => {
    assert.equal(voiceAlternative(codeStep(sms)), voice);
  });

  it('offers nothing from another step, another device, or without a voice device', () => {
    assert.equal(voiceAlternative(codeStep(voice)), undefined);
    assert.equal(voiceAlternative(codeStep(email)), undefined);
    assert.equal(voiceAlternative(chooseStep()), undefined);
    assert.equal(voiceAlternative(initialSigninState), undefined);
    const smsOnly = run([
      loaded(view('OTP_REQUIRED', { devices: [sms, totp], selectedDeviceId: sms.id })),
    ]);
    assert.equal(voiceAlternative(smsOnly), undefined);
  });
});

describe('ceremony errors', () => {
  const named = (name: string, cause?: Error): Error => {
    const error = new Error(name, cause ? { cause } : undefined);
    error.name = name;
    return error;
  };

  it('maps the WebAuthn failure names', () => {
    assert.equal(classifyCeremonyError(new DOMException('x', 'NotAllowedError')), 'cancelled');
    assert.equal(classifyCeremonyError(new DOMException('x', 'AbortError')), 'cancelled');
    assert.equal(
      classifyCeremonyError(new DOMException('x', 'InvalidStateError')),
      'alreadyRegistered',
    );
    assert.equal(classifyCeremonyError(new DOMException('x', 'NotSupportedError')), 'unsupported');
    assert.equal(classifyCeremonyError(new DOMException('x', 'SecurityError')), 'unsupported');
    assert.equal(classifyCeremonyError(new DOMException('x', 'UnknownError')), 'failed');
    assert.equal(classifyCeremonyError('not an error'), 'failed');
  });

  it('looks through a wrapping error to its cause', () => {
    const wrapped = named('WebAuthnError', new DOMException('x', 'NotAllowedError'));
    assert.equal(classifyCeremonyError(wrapped), 'cancelled');
    assert.equal(
      classifyCeremonyError(named('WebAuthnError', named('InvalidStateError'))),
      'alreadyRegistered',
    );
  });
});

describe('code lengths', () => {
  it('a hardware token shows 6 or 8 digits, whatever the policy says', () => {
    assert.deepEqual(codeLength('OATH_TOKEN', 6), { min: 6, max: 8 });
    assert.deepEqual(codeLength('OATH_TOKEN', undefined), { min: 6, max: 8 });
  });

  it("every other type has exactly the policy's length, 6 when it says nothing", () => {
    assert.deepEqual(codeLength('SMS', 8), { min: 8, max: 8 });
    assert.deepEqual(codeLength('TOTP', undefined), { min: 6, max: 6 });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  CreatedDeviceView,
  DeviceType,
  DeviceView,
  DevicesView,
  PolicyView,
} from '../protocol/schemas.ts';
import type { FlowError } from './common.ts';
import {
  fidoKind,
  initialEnrollState,
  needsDetails,
  offeredMethods,
  resumable,
  transition,
  type EnrollEvent,
  type EnrollState,
} from './enroll.ts';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

const policy: PolicyView = {
  methods: ['SMS', 'VOICE', 'EMAIL', 'WHATSAPP', 'TOTP', 'FIDO2', 'OATH_TOKEN'],
  otpLength: { SMS: 6, VOICE: 6, EMAIL: 6, WHATSAPP: 6, TOTP: 6, OATH_TOKEN: 6 },
  rememberBrowser: true,
  nicknamePrompt: ['SMS', 'FIDO2'],
  deviceLimit: 5,
};

const device = (type: string, status = 'ACTIVATION_REQUIRED', id = `dev-${type}`): DeviceView => ({
  id,
  type,
  status,
});

const creationOptions = {
  challenge: 'Y2hhbGxlbmdl',
  rp: { id: 'localhost', name: 'Demo' },
  user: { id: 'dXNlcg', name: 'u', displayName: 'u' },
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
};

type Step = EnrollState['step'];
type At<S extends Step> = Extract<EnrollState, { step: S }>;

function at<S extends Step>(state: EnrollState, step: S): At<S> {
  assert.equal(state.step, step, `expected step ${step}: ${JSON.stringify(state)}`);
  return state as At<S>;
}

const run = (events: EnrollEvent[], from: EnrollState = initialEnrollState): EnrollState =>
  events.reduce(transition, from);

const loaded = (
  devices: DeviceView[] = [],
  allowed?: readonly DeviceType[],
  view: Partial<PolicyView> = {},
): EnrollEvent => ({
  type: 'LOADED',
  view: { devices, policy: { ...policy, ...view } } satisfies DevicesView,
  ...(allowed !== undefined ? { allowed } : {}),
});
const failedWith = (error: FlowError, now = NOW): EnrollEvent => ({ type: 'FAILED', error, now });
const created = (method: DeviceType, view: CreatedDeviceView, now = NOW): EnrollEvent => ({
  type: 'CREATED',
  method,
  created: view,
  now,
});

const chooseStep = (devices: DeviceView[] = []): At<'choose'> =>
  at(run([loaded(devices)]), 'choose');
const detailsStep = (method: DeviceType): At<'details'> =>
  at(run([{ type: 'CHOOSE', method }], chooseStep()), 'details');
const codeStep = (method: DeviceType = 'SMS'): At<'code'> =>
  at(
    run([{ type: 'REQUEST' }, created(method, { device: device(method) })], detailsStep(method)),
    'code',
  );
const totpStep = (): At<'totp'> =>
  at(
    run(
      [created('TOTP', { device: device('TOTP'), secret: 'JBSWY3DP', keyUri: 'otpauth://totp/x' })],
      detailsStep('TOTP'),
    ),
    'totp',
  );
const fidoStep = (): At<'fido'> =>
  at(
    run(
      [created('FIDO2', { device: device('FIDO2'), publicKeyOptions: creationOptions })],
      detailsStep('FIDO2'),
    ),
    'fido',
  );
const reauthStep = (): At<'reauth'> =>
  at(transition(detailsStep('TOTP'), failedWith({ code: 'REAUTH_REQUIRED' })), 'reauth');
const doneState: EnrollState = { step: 'done', device: device('SMS', 'ACTIVE'), method: 'SMS' };
const failedState: EnrollState = {
  step: 'failed',
  error: { code: 'NETWORK' },
  restartable: true,
};

describe('enrollment machine: the chooser', () => {
  it('starts in `starting`; START goes back there', () => {
    assert.deepEqual(initialEnrollState, { step: 'starting' });
    assert.deepEqual(transition(codeStep(), { type: 'START' }), { step: 'starting' });
  });

  it('offers the policy’s methods narrowed by the host’s, in the policy’s order', () => {
    assert.deepEqual(chooseStep().methods, policy.methods);
    const narrowed = at(
      run([loaded([], ['TOTP', 'WHATSAPP', 'SMS'], { methods: ['SMS', 'TOTP', 'FIDO2'] })]),
      'choose',
    );
    assert.deepEqual(narrowed.methods, ['SMS', 'TOTP'], 'WHATSAPP is not in the policy');
    assert.deepEqual(offeredMethods(policy, ['FIDO2', 'EMAIL']), ['EMAIL', 'FIDO2']);
    assert.deepEqual(offeredMethods(policy, undefined), policy.methods);
    assert.deepEqual(offeredMethods(policy, []), []);
  });

  it('lists pending devices that can be resumed, and only those', () => {
    const resumableOnes = [
      device('SMS'),
      device('VOICE'),
      device('EMAIL'),
      device('WHATSAPP'),
      device('OATH_TOKEN'),
    ];
    const others = [
      device('TOTP'),
      device('FIDO2'),
      device('SMS', 'ACTIVE', 'active-sms'),
      device('EMAIL', 'LOCKED', 'locked-email'),
    ];
    const state = at(
      run([loaded([...others, ...resumableOnes], undefined, { deviceLimit: 20 })]),
      'choose',
    );
    assert.deepEqual(state.pending, resumableOnes);
    assert.equal(state.limitReached, false);
    assert.equal(state.busy, false);
    for (const one of resumableOnes) assert.equal(resumable(one), true, one.type);
    for (const type of ['TOTP', 'FIDO2']) assert.equal(resumable(device(type)), false, type);
  });

  it('the device limit counts every device the user has', () => {
    const four = ['a', 'b', 'c', 'd'].map((id) => device('TOTP', 'ACTIVE', id));
    assert.equal(chooseStep(four).limitReached, false);
    assert.equal(chooseStep([...four, device('SMS')]).limitReached, true);
    const unlimited = at(
      run([loaded([...four, ...four], undefined, { deviceLimit: undefined })]),
      'choose',
    );
    assert.equal(unlimited.limitReached, false);
  });

  it('CHOOSE an offered method → details, asking for a nickname when the policy says so', () => {
    const sms = detailsStep('SMS');
    assert.deepEqual(sms, {
      step: 'details',
      method: 'SMS',
      askNickname: true,
      policy,
      methods: policy.methods,
      busy: false,
    });
    assert.equal(detailsStep('TOTP').askNickname, false);
    assert.equal(detailsStep('FIDO2').askNickname, true);
  });

  it('CHOOSE a method that is not offered changes nothing', () => {
    const narrowed = run([loaded([], ['TOTP'])]);
    assert.equal(transition(narrowed, { type: 'CHOOSE', method: 'SMS' }), narrowed);
    const totpOnly = run([loaded([], undefined, { methods: ['TOTP'] })]);
    assert.equal(transition(totpOnly, { type: 'CHOOSE', method: 'WHATSAPP' }), totpOnly);
  });

  it('which methods have details to type in', () => {
    for (const method of ['SMS', 'VOICE', 'WHATSAPP', 'EMAIL', 'OATH_TOKEN'] as const) {
      assert.equal(needsDetails(method, false), true, method);
    }
    assert.equal(needsDetails('TOTP', false), false);
    assert.equal(needsDetails('FIDO2', false), false);
    assert.equal(needsDetails('TOTP', true), true, 'a nickname is a detail');
    assert.equal(needsDetails('FIDO2', true), true);
  });
});

describe('enrollment machine: the device is created', () => {
  it('TOTP → totp step with the secret and its URI', () => {
    const state = totpStep();
    assert.equal(state.secret, 'JBSWY3DP');
    assert.equal(state.keyUri, 'otpauth://totp/x');
    assert.deepEqual(state.device, device('TOTP'));
    assert.equal(state.busy, false);
  });

  it('TOTP without the secret or the URI → BAD_RESPONSE', () => {
    const bad = { step: 'failed', error: { code: 'BAD_RESPONSE' }, restartable: true };
    assert.deepEqual(
      transition(detailsStep('TOTP'), created('TOTP', { device: device('TOTP') })),
      bad,
    );
    assert.deepEqual(
      transition(detailsStep('TOTP'), created('TOTP', { device: device('TOTP'), secret: 'X' })),
      bad,
    );
    assert.deepEqual(
      transition(
        detailsStep('TOTP'),
        created('TOTP', { device: device('TOTP'), keyUri: 'otpauth://totp/x' }),
      ),
      bad,
    );
  });

  it('FIDO2 → fido step with the options; a passkey unless cross-platform is asked for', () => {
    const state = fidoStep();
    assert.equal(state.options, creationOptions);
    assert.equal(state.kind, 'passkey');
    assert.equal(state.waiting, false);
    const key = at(
      transition(
        detailsStep('FIDO2'),
        created('FIDO2', {
          device: device('FIDO2'),
          publicKeyOptions: {
            ...creationOptions,
            authenticatorSelection: { authenticatorAttachment: 'cross-platform' },
          },
        }),
      ),
      'fido',
    );
    assert.equal(key.kind, 'securityKey');
    assert.equal(
      fidoKind({ authenticatorSelection: { authenticatorAttachment: 'platform' } }),
      'passkey',
    );
    assert.equal(fidoKind({ authenticatorSelection: { residentKey: 'required' } }), 'passkey');
    assert.equal(fidoKind({}), 'passkey');
  });

  it('FIDO2 without options → BAD_RESPONSE', () => {
    assert.deepEqual(
      transition(detailsStep('FIDO2'), created('FIDO2', { device: device('FIDO2') })),
      {
        step: 'failed',
        error: { code: 'BAD_RESPONSE' },
        restartable: true,
      },
    );
  });

  for (const method of ['SMS', 'VOICE', 'EMAIL', 'WHATSAPP'] as const) {
    it(`${method} → code step, resend after the cool-down`, () => {
      const state = codeStep(method);
      assert.deepEqual(state, {
        step: 'code',
        device: device(method),
        method,
        resync: false,
        resent: false,
        resendAvailableAt: NOW + 30_000,
        policy,
        methods: policy.methods,
        busy: false,
      });
    });
  }

  it('OATH_TOKEN → code step, nothing to resend', () => {
    const state = codeStep('OATH_TOKEN');
    assert.equal(state.method, 'OATH_TOKEN');
    assert.equal(state.resync, false);
    assert.equal('resendAvailableAt' in state, false);
  });

  it('a device created already active → done', () => {
    const active = device('EMAIL', 'ACTIVE');
    assert.deepEqual(transition(detailsStep('EMAIL'), created('EMAIL', { device: active })), {
      step: 'done',
      device: active,
      method: 'EMAIL',
    });
  });
});

describe('enrollment machine: proving possession', () => {
  it('ACTIVATED → done with the device, the method and the result', () => {
    const active = device('SMS', 'ACTIVE');
    for (const state of [codeStep(), totpStep(), fidoStep()]) {
      const done = transition(state, { type: 'ACTIVATED', device: active, result: 'jwt' });
      assert.deepEqual(done, { step: 'done', device: active, method: 'SMS', result: 'jwt' });
    }
    const noResult = transition(totpStep(), {
      type: 'ACTIVATED',
      device: device('TOTP', 'ACTIVE'),
    });
    assert.deepEqual(noResult, { step: 'done', device: device('TOTP', 'ACTIVE'), method: 'TOTP' });
  });

  it('OATH_RESYNC_REQUIRED asks for the next code', () => {
    const state = at(
      run(
        [{ type: 'REQUEST' }, failedWith({ code: 'OATH_RESYNC_REQUIRED' })],
        codeStep('OATH_TOKEN'),
      ),
      'code',
    );
    assert.equal(state.resync, true);
    assert.equal(state.busy, false);
    assert.equal(state.error?.code, 'OATH_RESYNC_REQUIRED');
    const next = at(transition(state, { type: 'REQUEST' }), 'code');
    assert.equal(next.resync, true, 'the next submission is the resync');
    assert.equal(next.error, undefined);
  });

  it('RESEND_TOO_SOON moves resendAvailableAt; RESENT restarts the cool-down', () => {
    const later = NOW + 10_000;
    const tooSoon = at(
      transition(codeStep(), failedWith({ code: 'RESEND_TOO_SOON', retryAfterSeconds: 20 }, later)),
      'code',
    );
    assert.equal(tooSoon.resendAvailableAt, later + 20_000);
    assert.equal(tooSoon.error?.code, 'RESEND_TOO_SOON');
    const byDefault = at(
      transition(codeStep(), failedWith({ code: 'RESEND_TOO_SOON' }, later)),
      'code',
    );
    assert.equal(byDefault.resendAvailableAt, later + 30_000);

    const resent = at(
      run([{ type: 'REQUEST' }, { type: 'RESENT', now: later }], codeStep()),
      'code',
    );
    assert.equal(resent.resent, true);
    assert.equal(resent.busy, false);
    assert.equal(resent.resendAvailableAt, later + 30_000);
    assert.equal(at(transition(resent, { type: 'REQUEST' }), 'code').resent, false);
  });

  it('a wrong code is shown in the code and totp steps', () => {
    for (const state of [codeStep(), totpStep()]) {
      const next = transition(
        transition(state, { type: 'REQUEST' }),
        failedWith({ code: 'OTP_INVALID', attemptsRemaining: 2 }),
      );
      assert.equal(next.step, state.step);
      assert.ok('busy' in next && !next.busy, 'not busy');
      assert.deepEqual('error' in next && next.error, {
        code: 'OTP_INVALID',
        attemptsRemaining: 2,
      });
    }
  });

  it('WebAuthn: CEREMONY_STARTED waits, CEREMONY_FAILED records the outcome', () => {
    const failed = transition(fidoStep(), failedWith({ code: 'CREDENTIAL_INVALID' }));
    const waiting = at(transition(failed, { type: 'CEREMONY_STARTED' }), 'fido');
    assert.equal(waiting.waiting, true);
    assert.equal(waiting.busy, true);
    assert.equal(waiting.error, undefined);
    for (const outcome of ['cancelled', 'unsupported', 'alreadyRegistered', 'failed'] as const) {
      const ended = at(transition(waiting, { type: 'CEREMONY_FAILED', outcome }), 'fido');
      assert.deepEqual([ended.waiting, ended.busy, ended.ceremony], [false, false, outcome]);
      const retried = at(transition(ended, { type: 'CEREMONY_STARTED' }), 'fido');
      assert.equal('ceremony' in retried, false, 'a new ceremony forgets the last outcome');
    }
  });

  it('a refused registration closes the prompt and shows the error', () => {
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
    assert.deepEqual(
      [state.waiting, state.busy, state.error?.code],
      [false, false, 'CREDENTIAL_INVALID'],
    );
  });
});

describe('enrollment machine: errors and going back', () => {
  const fatal = [
    'SESSION_REQUIRED',
    'TICKET_REPLAYED',
    'PURPOSE_FORBIDDEN',
    'CSRF_REJECTED',
  ] as const;
  for (const code of fatal) {
    it(`${code} → failed, not restartable`, () => {
      for (const state of [initialEnrollState, chooseStep(), detailsStep('SMS'), codeStep()]) {
        assert.deepEqual(transition(state, failedWith({ code })), {
          step: 'failed',
          error: { code },
          restartable: false,
        });
      }
    });
  }

  it('a failure while starting → failed, restartable', () => {
    assert.deepEqual(transition(initialEnrollState, failedWith({ code: 'UPSTREAM_TIMEOUT' })), {
      step: 'failed',
      error: { code: 'UPSTREAM_TIMEOUT' },
      restartable: true,
    });
  });

  it('REAUTH_REQUIRED on creating → reauth; REAUTHENTICATED → back to the details', () => {
    const state = reauthStep();
    assert.deepEqual(state, {
      step: 'reauth',
      then: 'TOTP',
      policy,
      methods: policy.methods,
    });
    assert.deepEqual(transition(state, { type: 'REAUTHENTICATED' }), detailsStep('TOTP'));
    const sms = at(
      run(
        [failedWith({ code: 'REAUTH_REQUIRED' }), { type: 'REAUTHENTICATED' }],
        detailsStep('SMS'),
      ),
      'details',
    );
    assert.equal(sms.askNickname, true);
  });

  it('REAUTH_REQUIRED elsewhere is an error in the step', () => {
    const state = at(transition(codeStep(), failedWith({ code: 'REAUTH_REQUIRED' })), 'code');
    assert.equal(state.error?.code, 'REAUTH_REQUIRED');
  });

  it('DEVICE_LIMIT → the chooser, limit reached', () => {
    const state = at(
      transition(detailsStep('SMS'), failedWith({ code: 'DEVICE_LIMIT' })),
      'choose',
    );
    assert.equal(state.limitReached, true);
    assert.equal(state.busy, false);
    assert.deepEqual(state.methods, policy.methods);
    const pending = [device('SMS')];
    const fromChooser = at(
      transition(chooseStep(pending), failedWith({ code: 'DEVICE_LIMIT' })),
      'choose',
    );
    assert.deepEqual(fromChooser.pending, pending, 'the pending devices stay listed');
  });

  it('other errors stay in the step, not busy', () => {
    for (const state of [chooseStep(), detailsStep('SMS'), codeStep(), totpStep()]) {
      const next = transition(
        transition(state, { type: 'REQUEST' }),
        failedWith({ code: 'PHONE_INVALID' }),
      );
      assert.equal(next.step, state.step);
      assert.ok('busy' in next && !next.busy, `${state.step} not busy`);
      assert.deepEqual('error' in next && next.error, { code: 'PHONE_INVALID' });
    }
  });

  it('REQUEST sets busy and clears the error', () => {
    for (const state of [chooseStep(), detailsStep('SMS'), codeStep(), totpStep(), fidoStep()]) {
      const withError = transition(state, failedWith({ code: 'NETWORK' }));
      const next = transition(withError, { type: 'REQUEST' });
      assert.ok('busy' in next && next.busy, `${state.step} busy`);
      assert.equal('error' in next, false, `${state.step} error cleared`);
    }
  });

  it('BACK → the chooser from every step after it', () => {
    for (const state of [detailsStep('SMS'), codeStep(), totpStep(), fidoStep(), reauthStep()]) {
      assert.deepEqual(transition(state, { type: 'BACK' }), {
        step: 'choose',
        pending: [],
        limitReached: false,
        policy,
        methods: policy.methods,
        busy: false,
      });
    }
  });

  it('BACK while the WebAuthn prompt is open returns to the chooser (the driver cancels it)', () => {
    const waiting = transition(fidoStep(), { type: 'CEREMONY_STARTED' });
    assert.equal(transition(waiting, { type: 'BACK' }).step, 'choose');
  });

  it('RESUMED → the code step of a pending device, only from the chooser', () => {
    const pending = device('EMAIL');
    const state = at(
      transition(chooseStep([pending]), { type: 'RESUMED', device: pending, now: NOW }),
      'code',
    );
    assert.deepEqual(state, {
      step: 'code',
      device: pending,
      method: 'EMAIL',
      resync: false,
      resent: false,
      policy,
      methods: policy.methods,
      busy: false,
    });
    const unknown = chooseStep();
    assert.equal(
      transition(unknown, { type: 'RESUMED', device: device('MOBILE'), now: NOW }),
      unknown,
      'an unknown device type is not resumed',
    );
  });

  it('events outside their step return the same state object', () => {
    const choose = chooseStep([device('SMS')]);
    const details = detailsStep('SMS');
    const code = codeStep();
    const totp = totpStep();
    const fido = fidoStep();
    const reauth = reauthStep();
    const active = device('SMS', 'ACTIVE');
    const cases: [EnrollState, EnrollEvent][] = [
      [initialEnrollState, { type: 'CHOOSE', method: 'SMS' }],
      [doneState, { type: 'CHOOSE', method: 'SMS' }],
      [initialEnrollState, { type: 'REQUEST' }],
      [reauth, { type: 'REQUEST' }],
      [doneState, { type: 'REQUEST' }],
      [failedState, { type: 'REQUEST' }],
      [
        initialEnrollState,
        { type: 'CREATED', method: 'SMS', created: { device: active }, now: NOW },
      ],
      [doneState, { type: 'CREATED', method: 'SMS', created: { device: active }, now: NOW }],
      [details, { type: 'RESUMED', device: device('SMS'), now: NOW }],
      [code, { type: 'RESUMED', device: device('SMS'), now: NOW }],
      [choose, { type: 'RESENT', now: NOW }],
      [totp, { type: 'RESENT', now: NOW }],
      [choose, { type: 'ACTIVATED', device: active }],
      [details, { type: 'ACTIVATED', device: active }],
      [reauth, { type: 'ACTIVATED', device: active }],
      [initialEnrollState, { type: 'ACTIVATED', device: active }],
      [choose, { type: 'BACK' }],
      [initialEnrollState, { type: 'BACK' }],
      [doneState, { type: 'BACK' }],
      [failedState, { type: 'BACK' }],
      [details, { type: 'REAUTHENTICATED' }],
      [choose, { type: 'REAUTHENTICATED' }],
      [code, { type: 'CEREMONY_STARTED' }],
      [totp, { type: 'CEREMONY_STARTED' }],
      [choose, { type: 'CEREMONY_FAILED', outcome: 'cancelled' }],
      [fido, { type: 'RESENT', now: NOW }],
    ];
    for (const [state, event] of cases) {
      assert.equal(transition(state, event), state, `${event.type} in ${state.step}`);
    }
  });

  it('CHOOSE is only taken in the chooser; CREATED in the details step (and FIDO2 step)', () => {
    const others = [detailsStep('TOTP'), codeStep(), totpStep(), fidoStep(), reauthStep()];
    for (const state of others) {
      assert.equal(
        transition(state, { type: 'CHOOSE', method: 'EMAIL' }),
        state,
        `CHOOSE in ${state.step}`,
      );
    }
    const createdSms = created('SMS', { device: device('SMS') });
    for (const state of [chooseStep(), codeStep(), totpStep(), reauthStep()]) {
      assert.equal(transition(state, createdSms), state, `CREATED in ${state.step}`);
    }
  });

  it('CREATED in the FIDO2 step replaces a spent registration with fresh options', () => {
    const options = { challenge: 'fresh', authenticatorSelection: { residentKey: 'required' } };
    const replaced = transition(
      { ...fidoStep(), error: { code: 'CREDENTIAL_INVALID' } },
      created('FIDO2', { device: device('FIDO2'), publicKeyOptions: options }),
    );
    assert.equal(replaced.step, 'fido');
    assert.deepEqual((replaced as { options?: unknown }).options, options);
  });
});

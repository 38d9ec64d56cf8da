import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  assertContract,
  checkResponse,
  modelledOperations,
  openApiDocPath,
  type ContractCheck,
} from './openapi-contract.ts';

const ENV = '2f6a6c1e-4a52-4a51-9a4e-1d7b3c0f9a10';
const USER = '8d1c3f0a-62c4-4b8e-9f1e-5a0c2b7d4e31';
const POLICY = 'c1a5e3b7-0d2f-4e6a-8b9c-7f1e2d3c4b5a';
const BASE = `http://anything/engine/v1/environments/${ENV}`;

function check(input: Parameters<typeof checkResponse>[0]): ContractCheck {
  const result = checkResponse(input);
  assert.ok(result, `expected ${input.method} ${input.url} to be modelled`);
  return result;
}

function assertValid(result: ContractCheck): void {
  assert.deepEqual(result.errors, []);
  assert.equal(result.valid, true);
}

function assertInvalid(result: ContractCheck, ...mentions: string[]): void {
  assert.equal(result.valid, false, 'expected the body to be rejected');
  for (const text of mentions) {
    assert.ok(
      result.errors.some((e) => e.includes(text)),
      `expected an error mentioning ${JSON.stringify(text)}, got ${JSON.stringify(result.errors)}`,
    );
  }
}

const clone = <T>(value: T): T => structuredClone(value);

const mfaSettings = {
  environment: { id: ENV },
  pairing: { maxAllowedDevices: 5, pairingKeyFormat: 'ALPHANUMERIC' },
  lockout: { failureCount: 5, durationSeconds: 600 },
  users: { mfaEnabled: true },
  phoneExtensions: { enabled: false },
  updatedAt: '2024-05-01T10:00:00.000Z',
  _links: { self: { href: `${BASE}/mfaSettings` } },
};

const offlineDevice = {
  enabled: true,
  otp: {
    lifeTime: { duration: 30, timeUnit: 'MINUTES' },
    failure: { count: 3, coolDown: { duration: 0, timeUnit: 'MINUTES' } },
  },
};
const otpFailureOnly = {
  enabled: true,
  otp: { failure: { count: 3, coolDown: { duration: 2, timeUnit: 'MINUTES' } } },
};
const deviceAuthenticationPolicy = {
  id: POLICY,
  environment: { id: ENV },
  name: 'Default MFA Policy',
  default: true,
  forSignOnPolicy: false,
  sms: clone(offlineDevice),
  voice: clone(offlineDevice),
  email: clone(offlineDevice),
  mobile: clone(otpFailureOnly),
  totp: clone(otpFailureOnly),
  fido2: { enabled: true },
  updatedAt: '2024-05-01T10:00:00.000Z',
  _links: { self: { href: `${BASE}/deviceAuthenticationPolicies/${POLICY}` } },
};

describe('modelledOperations', () => {
  test('lists method + path template pairs from the document', () => {
    const ops = modelledOperations();
    assert.ok(ops.includes('GET /environments/{environmentID}/deviceAuthenticationPolicies'));
    assert.ok(
      ops.includes('PUT /environments/{environmentID}/users/{userID}/devices/{deviceID}/nickname'),
    );
    assert.ok(ops.includes('GET /environments/{environmentID}/mfaSettings'));
    assert.ok(!ops.some((op) => op.includes('deviceAuthentications')));
  });
});

describe('MFA settings', () => {
  const url = `${BASE}/mfaSettings?expand=x`;

  test('a valid MFASettings body passes, for either URL shape and hal+json', () => {
    const result = check({ method: 'GET', url, status: 200, body: mfaSettings });
    assert.equal(result.operation, 'GET /environments/{environmentID}/mfaSettings');
    assertValid(result);
    assertValid(
      check({
        method: 'put',
        url: `http://engine.local/v1/environments/${ENV}/mfaSettings/`,
        status: 200,
        contentType: 'application/hal+json;charset=UTF-8',
        body: mfaSettings,
      }),
    );
  });

  test('pairing.maxAllowedDevices as a string fails and names the path', () => {
    const body = clone(mfaSettings);
    Object.assign(body.pairing, { maxAllowedDevices: 'five' });
    assertInvalid(check({ method: 'GET', url, status: 200, body }), '/pairing/maxAllowedDevices');
  });

  test('a missing required pairing fails', () => {
    const body: Record<string, unknown> = clone(mfaSettings);
    delete body.pairing;
    assertInvalid(
      check({ method: 'GET', url, status: 200, body }),
      "must have required property 'pairing'",
    );
  });

  test('nested constraints apply (enum, maximum, date-time, link href)', () => {
    const body = {
      ...clone(mfaSettings),
      pairing: { maxAllowedDevices: 16, pairingKeyFormat: 'HEX' },
      updatedAt: 'yesterday',
    };
    assertInvalid(
      check({ method: 'GET', url, status: 200, body }),
      '/pairing/maxAllowedDevices must be <= 15',
      '/pairing/pairingKeyFormat',
      '/updatedAt',
    );
  });
});

describe('errors and statuses', () => {
  const url = `${BASE}/mfaSettings`;

  test('a P1Error body for a 404 passes; details as a string fails', () => {
    const error = {
      id: 'a8e5c9b1-2f4d-4d6e-8c1b-0a9f3e7d6c5b',
      code: 'NOT_FOUND',
      message: 'The requested resource was not found.',
      details: [{ code: 'NOT_FOUND', target: 'environmentID', message: 'nope' }],
    };
    assertValid(check({ method: 'GET', url, status: 404, body: error }));
    assertInvalid(
      check({ method: 'GET', url, status: 404, body: { ...error, details: 'x' } }),
      '/details',
    );
  });

  test('an undocumented status is reported', () => {
    const result = check({ method: 'GET', url, status: 418, body: {} });
    assert.equal(result.valid, false);
    assert.deepEqual(result.errors, [
      'status 418 not documented for GET /environments/{environmentID}/mfaSettings',
    ]);
  });

  test('204 has no body to check; a 204 carrying a body is rejected', () => {
    const url204 = `${BASE}/users/${USER}/devices/dev-1`;
    assertValid(check({ method: 'DELETE', url: url204, status: 204, body: undefined }));
    assertValid(check({ method: 'DELETE', url: url204, status: 204, body: '' }));
    // resetMFASettings documents `204: application/json: MFASettings`, but a 204 has no body.
    assertValid(check({ method: 'DELETE', url, status: 204, body: undefined }));
    assertInvalid(check({ method: 'DELETE', url: url204, status: 204, body: { id: 'x' } }), '204');
  });

  test('a documented JSON response cannot be answered with another content type', () => {
    assertInvalid(
      check({ method: 'GET', url, status: 200, contentType: 'text/html', body: '<html>' }),
      'content type text/html not documented',
    );
  });
});

describe('operation lookup', () => {
  test('paths the document does not model give undefined', () => {
    const input = {
      method: 'GET',
      url: 'http://x/v1/abc/deviceAuthentications/x',
      status: 200,
      body: {},
    };
    assert.equal(checkResponse(input), undefined);
    assert.equal(assertContract(input), false);
    assert.equal(
      checkResponse({ method: 'POST', url: `http://x/v1/${ENV}/as/token`, status: 200, body: {} }),
      undefined,
    );
    // path modelled, method not
    assert.equal(
      checkResponse({ method: 'PATCH', url: `${BASE}/mfaSettings`, status: 200, body: {} }),
      undefined,
    );
  });

  test('schema-less responses (application/json: {}) are modelled but unconstrained', () => {
    const result = check({
      method: 'PUT',
      url: `${BASE}/users/${USER}/devices/dev-1/nickname`,
      status: 200,
      body: { anything: ['goes'] },
    });
    assert.equal(
      result.operation,
      'PUT /environments/{environmentID}/users/{userID}/devices/{deviceID}/nickname',
    );
    assertValid(result);
    const list = check({
      method: 'GET',
      url: `${BASE}/users/${USER}/devices`,
      status: 200,
      body: {},
    });
    assert.equal(list.operation, 'GET /environments/{environmentID}/users/{userID}/devices');
    assertValid(list);
  });

  test('the document path defaults to the shared reference copy', () => {
    if (process.env.PINGONE_OPENAPI_PATH) return;
    assert.match(openApiDocPath(), /[/\\]shared[/\\]reference[/\\]pingone-mfa-openapi\.yaml$/);
  });
});

describe('device authentication policies', () => {
  const one = `${BASE}/deviceAuthenticationPolicies/${POLICY}`;
  const list = `${BASE}/deviceAuthenticationPolicies`;

  test('a minimal DeviceAuthenticationPolicy validates for GET and PUT', () => {
    const result = check({
      method: 'GET',
      url: one,
      status: 200,
      body: deviceAuthenticationPolicy,
    });
    assert.equal(
      result.operation,
      'GET /environments/{environmentID}/deviceAuthenticationPolicies/{deviceAuthenticationPolicyID}',
    );
    assertValid(result);
    assertValid(check({ method: 'PUT', url: one, status: 200, body: deviceAuthenticationPolicy }));
  });

  test("sms.otp.lifeTime.timeUnit 'HOURS' fails", () => {
    const body = clone(deviceAuthenticationPolicy);
    body.sms.otp.lifeTime.timeUnit = 'HOURS';
    assertInvalid(
      check({ method: 'GET', url: one, status: 200, body }),
      '/sms/otp/lifeTime/timeUnit',
    );
  });

  test('every required property of the allOf closure is enforced', () => {
    for (const key of [
      'default',
      'email',
      'forSignOnPolicy',
      'mobile',
      'name',
      'sms',
      'totp',
      'voice',
    ]) {
      const body = Object.fromEntries(
        Object.entries(deviceAuthenticationPolicy).filter(([name]) => name !== key),
      );
      assertInvalid(
        check({ method: 'GET', url: one, status: 200, body }),
        `must have required property '${key}'`,
      );
    }
    const noFailure = clone(deviceAuthenticationPolicy);
    const totpOtp: Record<string, unknown> = noFailure.totp.otp;
    delete totpOtp.failure;
    assertInvalid(
      check({ method: 'GET', url: one, status: 200, body: noFailure }),
      "/totp/otp must have required property 'failure'",
    );
  });

  test('the list response (EntityArray) passes with one embedded policy and checks it', () => {
    const body = {
      _links: { self: { href: list } },
      _embedded: { deviceAuthenticationPolicies: [deviceAuthenticationPolicy] },
      count: 1,
      size: 1,
    };
    assertValid(check({ method: 'GET', url: list, status: 200, body }));
    const bad = clone(body);
    const [first] = bad._embedded.deviceAuthenticationPolicies;
    assert.ok(first);
    first.email.otp.failure.count = 1.5;
    assertInvalid(
      check({ method: 'GET', url: list, status: 200, body: bad }),
      '/_embedded/deviceAuthenticationPolicies/0/email/otp/failure/count',
    );
  });

  test('create (oneOf DeviceAuthenticationPolicy | EntityArray) accepts a single policy', () => {
    // Every policy also satisfies EntityArray, so a literal oneOf would reject this body.
    assertValid(
      check({ method: 'POST', url: list, status: 201, body: deviceAuthenticationPolicy }),
    );
    assertInvalid(
      check({ method: 'POST', url: list, status: 201, body: 'created' }),
      'must be object',
    );
  });
});

describe('other schemas the engine serves', () => {
  test('UserMFAEnabled', () => {
    const url = `${BASE}/users/${USER}/mfaEnabled`;
    assertValid(check({ method: 'GET', url, status: 200, body: { mfaEnabled: true } }));
    assertInvalid(
      check({ method: 'PUT', url, status: 200, body: { mfaEnabled: 'yes' } }),
      '/mfaEnabled',
    );
    assertInvalid(check({ method: 'PUT', url, status: 200, body: {} }), "'mfaEnabled'");
  });

  test('FIDO2Policy', () => {
    const url = `${BASE}/fido2Policies/p-1`;
    const policy = {
      id: 'p-1',
      name: 'Passkeys',
      deviceDisplayName: 'Passkey',
      relyingPartyId: 'example.com',
      attestationRequirements: 'NONE',
      authenticatorAttachment: 'BOTH',
      discoverableCredentials: 'REQUIRED',
      backupEligibility: { allow: true, enforceDuringAuthentication: false },
      mdsAuthenticatorsRequirements: { option: 'NONE', enforceDuringAuthentication: false },
      userDisplayNameAttributes: { attributes: [{ name: 'username' }] },
      userVerification: { option: 'REQUIRED', enforceDuringAuthentication: true },
    };
    assertValid(check({ method: 'GET', url, status: 200, body: policy }));
    assertInvalid(
      check({
        method: 'GET',
        url,
        status: 200,
        body: { ...policy, userVerification: { option: 'ALWAYS' } },
      }),
      '/userVerification/option',
      "/userVerification must have required property 'enforceDuringAuthentication'",
    );
  });
});

describe('assertContract', () => {
  test('returns true for a valid modelled response', () => {
    assert.equal(
      assertContract({ method: 'GET', url: `${BASE}/mfaSettings`, status: 200, body: mfaSettings }),
      true,
    );
  });

  test('throws an AssertionError that lists the schema errors', () => {
    const body = {
      ...clone(mfaSettings),
      pairing: { maxAllowedDevices: 'five', pairingKeyFormat: 'NUMERIC' },
    };
    assert.throws(
      () => assertContract({ method: 'GET', url: `${BASE}/mfaSettings`, status: 200, body }),
      (error: unknown) => {
        assert.ok(error instanceof assert.AssertionError);
        assert.match(error.message, /readMFASettings/);
        assert.match(error.message, /\/pairing\/maxAllowedDevices must be integer/);
        return true;
      },
    );
  });
});

describe('OpenAPI 3.0 features, with a fixture document (PINGONE_OPENAPI_PATH)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-contract-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const fixture = join(dir, 'fixture.yaml');
  writeFileSync(
    fixture,
    `openapi: 3.0.0
info: { title: fixture, version: '1' }
paths:
  /things/{thingID}:
    get:
      operationId: readThing
      responses:
        '200':
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Thing' }
        '4XX':
          $ref: '#/components/responses/Problem'
        default:
          content:
            application/json:
              schema: { type: object, required: [fallback] }
  /things/special:
    get:
      operationId: readSpecialThing
      responses:
        '200':
          content:
            text/plain:
              schema: { type: string, maxLength: 3 }
components:
  responses:
    Problem:
      description: problem
      content:
        application/problem+json:
          schema: { $ref: '#/components/schemas/Problem' }
  schemas:
    Problem:
      type: object
      required: [code]
      properties: { code: { type: string } }
    Thing:
      type: object
      required: [name, secret, kind]
      discriminator: { propertyName: kind }
      x-internal: true
      example: { name: x }
      properties:
        name: { type: string, nullable: true, readOnly: true, example: thing }
        secret: { type: string, writeOnly: true }
        kind: { type: string, deprecated: true }
        ref: { nullable: true, allOf: [{ $ref: '#/components/schemas/Problem' }] }
        code: { type: string, format: thing-code }
`,
  );

  function withFixture<T>(run: () => T): T {
    const previous = process.env.PINGONE_OPENAPI_PATH;
    process.env.PINGONE_OPENAPI_PATH = fixture;
    try {
      return run();
    } finally {
      if (previous === undefined) delete process.env.PINGONE_OPENAPI_PATH;
      else process.env.PINGONE_OPENAPI_PATH = previous;
    }
  }

  test('nullable, writeOnly-required, annotations, discriminator and unknown formats', () => {
    withFixture(() => {
      const url = 'http://h/api/v1/things/t1';
      assertValid(
        check({ method: 'GET', url, status: 200, body: { name: null, kind: 'a', code: 'zz' } }),
      );
      assertInvalid(
        check({ method: 'GET', url, status: 200, body: { name: 1, kind: 'a' } }),
        '/name',
      );
      assertInvalid(check({ method: 'GET', url, status: 200, body: { name: 'n' } }), "'kind'");
    });
  });

  test('range (4XX) responses via $ref, and default responses', () => {
    withFixture(() => {
      const url = 'http://h/v1/things/t1';
      const problem = { method: 'GET', url, status: 409, contentType: 'application/json' };
      assertValid(check({ ...problem, body: { code: 'CONFLICT' } }));
      assertInvalid(check({ ...problem, body: {} }), "'code'");
      assertValid(check({ method: 'GET', url, status: 503, body: { fallback: 1 } }));
      assertInvalid(check({ method: 'GET', url, status: 503, body: {} }), "'fallback'");
    });
  });

  test('the template with the most literal segments wins; non-JSON media types', () => {
    withFixture(() => {
      const url = 'http://h/v1/things/special';
      const input = { method: 'GET', url, status: 200, contentType: 'text/plain' };
      assert.equal(check({ ...input, body: 'abc' }).operation, 'GET /things/special');
      assertValid(check({ ...input, body: 'abc' }));
      assertInvalid(check({ ...input, body: 'abcd' }), 'must NOT have more than 3 characters');
      assert.deepEqual(modelledOperations(), ['GET /things/{thingID}', 'GET /things/special']);
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, Harness } from '../../test/helpers/engine-harness.ts';

describe('engine routing', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => {
    h.close();
  });

  it('answers a known path with another method 405, listing the allowed ones', async () => {
    const before = h.snapshot('settings');
    const reply = await h.request('PATCH', h.api('/mfaSettings'), { body: { pairing: {} } });
    assertError(reply, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(reply.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'PUT']);
    assert.deepEqual(h.snapshot('settings'), before);
  });

  it('answers 405 on parameterised paths too', async () => {
    const userId = await h.createUser();
    const reply = await h.request('PATCH', h.api(`/users/${userId}/devices/${userId}`), { body: {} });
    assertError(reply, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(reply.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'POST']);
  });

  it('answers an unknown path 404 with a PingOne body', async () => {
    assertError(await h.get(h.api('/nothing/here')), 404, 'NOT_FOUND');
    assertError(await h.get('/'), 404, 'NOT_FOUND');
  });

  it('checks the token before the method, so a probe learns nothing without one', async () => {
    const reply = await h.request('PATCH', h.api('/mfaSettings'), { body: {}, token: null });
    assertError(reply, 401, 'INVALID_TOKEN');
  });

  it('names the bearer scheme on a 401 (RFC 6750 §3)', async () => {
    const reply = await h.get(h.api('/users'), { token: 'not-a-token' });
    assertError(reply, 401, 'INVALID_TOKEN');
    assert.equal(reply.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });
});

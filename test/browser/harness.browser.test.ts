// Proves the browser harness is real: WebAuthn ceremonies against Chromium's virtual
// authenticators, a ceremony without one that does not succeed, and CommonJS `qrcode` in the page.
import { startRegistration } from '@simplewebauthn/browser';
import { expect } from '@open-wc/testing';
import QRCode, { toString as qrToString } from 'qrcode';
import {
  addVirtualAuthenticator,
  listCredentials,
  removeVirtualAuthenticator,
  setUserVerified,
} from '../wtr/webauthn.ts';

const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));

function creationOptions(
  overrides: Partial<PublicKeyCredentialCreationOptions> = {},
): PublicKeyCredentialCreationOptions {
  return {
    challenge: random(32),
    rp: { id: 'localhost', name: 'Harness' },
    user: { id: random(16), name: 'ada@example.test', displayName: 'Ada' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: 5000,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('browser harness: virtual WebAuthn authenticators', () => {
  afterEach(async () => {
    await removeVirtualAuthenticator();
  });

  it('registers and then signs in with a platform authenticator (rp id localhost)', async () => {
    const authenticatorId = await addVirtualAuthenticator();
    const created = await navigator.credentials.create({ publicKey: creationOptions() });
    expect(created).to.be.instanceOf(PublicKeyCredential);
    const credential = created as PublicKeyCredential;

    const stored = await listCredentials(authenticatorId);
    expect(stored).to.have.length(1);
    const countBefore = stored[0]?.signCount ?? 0;
    expect(stored[0]?.rpId).to.equal('localhost');
    expect(stored[0]?.isResidentCredential).to.equal(true);

    const asserted = await navigator.credentials.get({
      publicKey: {
        challenge: random(32),
        rpId: 'localhost',
        allowCredentials: [{ type: 'public-key', id: credential.rawId }],
        userVerification: 'required',
        timeout: 5000,
      },
    });
    expect(asserted).to.be.instanceOf(PublicKeyCredential);
    const assertion = (asserted as PublicKeyCredential).response;
    expect(assertion).to.be.instanceOf(AuthenticatorAssertionResponse);
    expect((asserted as PublicKeyCredential).id).to.equal(credential.id);
    expect((await listCredentials(authenticatorId))[0]?.signCount).to.be.greaterThan(countBefore);
  });

  it('finds a discoverable credential without allowCredentials', async () => {
    await addVirtualAuthenticator();
    await navigator.credentials.create({ publicKey: creationOptions() });
    const asserted = await navigator.credentials.get({
      publicKey: { challenge: random(32), rpId: 'localhost', timeout: 5000 },
    });
    expect(asserted).to.be.instanceOf(PublicKeyCredential);
  });

  it('does not complete a registration when no authenticator is present', async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => {
      abort.abort();
    }, 300);
    const error = await rejection(
      navigator.credentials.create({ publicKey: creationOptions(), signal: abort.signal }),
    );
    clearTimeout(timer);
    expect(error).to.be.instanceOf(DOMException);
    expect((error as DOMException).name).to.be.oneOf(['AbortError', 'NotAllowedError']);
  });

  it('refuses user verification once the authenticator is told to fail it', async () => {
    const authenticatorId = await addVirtualAuthenticator({
      transport: 'usb',
      hasUserVerification: true,
    });
    await setUserVerified(authenticatorId, false);
    const error = await rejection(
      navigator.credentials.create({
        publicKey: creationOptions({
          authenticatorSelection: { residentKey: 'discouraged', userVerification: 'required' },
        }),
      }),
    );
    expect((error as DOMException).name).to.equal('NotAllowedError');
    expect(await listCredentials(authenticatorId)).to.have.length(0);
  });

  it('runs @simplewebauthn/browser against the virtual authenticator', async () => {
    await addVirtualAuthenticator({ transport: 'usb' });
    const toBase64Url = (bytes: Uint8Array) =>
      btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const response = await startRegistration({
      optionsJSON: {
        challenge: toBase64Url(random(32)),
        rp: { id: 'localhost', name: 'Harness' },
        user: { id: toBase64Url(random(16)), name: 'grace', displayName: 'Grace' },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
        timeout: 5000,
      },
    });
    expect(response.type).to.equal('public-key');
    expect(response.response.transports).to.include('usb');
  });
});

describe('browser harness: CommonJS qrcode in the page', () => {
  const uri = 'otpauth://totp/Example:ada?secret=JBSWY3DPEHPK3PXP&issuer=Example';

  it('renders an SVG through the default export and the named export', async () => {
    const svg = await QRCode.toString(uri, { type: 'svg' });
    expect(svg).to.match(/^<svg/);
    expect(await qrToString(uri, { type: 'svg' })).to.equal(svg);
  });

  it('loads a deep CommonJS module of the package lazily', async () => {
    const { create } = await import('qrcode/lib/core/qrcode.js');
    expect(create(uri, { errorCorrectionLevel: 'M' }).modules.size).to.be.greaterThan(20);
  });

  it('draws on a canvas', async () => {
    const canvas = document.createElement('canvas');
    await QRCode.toCanvas(canvas, uri, { margin: 1 });
    expect(canvas.width).to.be.greaterThan(20);
  });
});

import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { create } from 'qrcode';
import { qrEncoder, type MfaQr, type QrEncode } from './mfa-qr.ts';
import './mfa-qr.ts';

const uri = 'otpauth://totp/Example:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example';

const realLoad = qrEncoder.load;
let loads = 0;

function coreRequested(): boolean {
  return performance
    .getEntriesByType('resource')
    .some((entry) => entry.name.includes('lib/core/qrcode'));
}

function svgOf(el: MfaQr): SVGSVGElement | null {
  return el.shadowRoot?.querySelector('svg') ?? null;
}

async function drawn(el: MfaQr): Promise<SVGSVGElement> {
  await waitUntil(() => svgOf(el)?.getAttribute('role') === 'img', 'the code was never drawn');
  const svg = svgOf(el);
  if (!svg) throw new Error('no svg');
  return svg;
}

/** The dark modules the path draws, as "x,y" in symbol coordinates (quiet zone removed). */
function cells(path: string): Set<string> {
  const dark = new Set<string>();
  for (const match of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [, x, y, run, back] = match.map(Number);
    if (x === undefined || y === undefined || run === undefined) throw new Error('bad subpath');
    expect(back, 'each run closes on itself').to.equal(run);
    for (let i = 0; i < run; i++) dark.add(`${x + i - 4},${y - 4}`);
  }
  return dark;
}

describe('<mfa-qr>', () => {
  beforeEach(() => {
    loads = 0;
    qrEncoder.load = () => {
      loads++;
      return realLoad();
    };
  });

  afterEach(() => {
    qrEncoder.load = realLoad;
  });

  it('loads no encoder and draws nothing until a value is set', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr></mfa-qr>`);
    await el.updateComplete;
    expect(svgOf(el)).to.equal(null);
    expect(loads).to.equal(0);
    expect(coreRequested(), 'the encoder chunk was requested before a value').to.equal(false);
    el.value = uri;
    await drawn(el);
    expect(loads).to.equal(1);
    expect(coreRequested(), 'the encoder chunk was loaded lazily').to.equal(true);
  });

  it('is accessible', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${uri}></mfa-qr>`);
    await drawn(el);
    await expect(el).to.be.accessible();
  });

  it('draws the symbol of the value, error correction M, with a 4-module quiet zone', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${uri}></mfa-qr>`);
    const svg = await drawn(el);
    const symbol = create(uri, { errorCorrectionLevel: 'M' });
    const { size, data } = symbol.modules;
    const expected = new Set<string>();
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) if (data[y * size + x]) expected.add(`${x},${y}`);
    }
    const path = svg.querySelector('path')?.getAttribute('d') ?? '';
    expect([...cells(path)].sort()).to.deep.equal([...expected].sort());
    expect(svg.getAttribute('viewBox')).to.equal(`0 0 ${size + 8} ${size + 8}`);
    expect(svg.querySelectorAll('path')).to.have.length(1);
  });

  it('is an image named by qr.label, or by the label property', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${uri}></mfa-qr>`);
    const svg = await drawn(el);
    expect(svg.getAttribute('part')).to.equal('qr');
    expect(svg.getAttribute('aria-label')).to.equal('QR code to scan with your authenticator app');
    expect(svg.getAttribute('shape-rendering')).to.equal('crispEdges');
    el.label = 'Scan me';
    await el.updateComplete;
    expect(svg.getAttribute('aria-label')).to.equal('Scan me');
  });

  it('sizes itself in CSS pixels, 200 by default', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${uri}></mfa-qr>`);
    const svg = await drawn(el);
    expect(svg.getBoundingClientRect().width).to.equal(200);
    el.size = 256;
    await el.updateComplete;
    expect(svg.getBoundingClientRect().width).to.equal(256);
    expect(svg.getBoundingClientRect().height).to.equal(256);
  });

  it('keeps dark modules on white in the dark theme', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr theme="dark" .value=${uri}></mfa-qr>`);
    const svg = await drawn(el);
    const path = svg.querySelector('path');
    const rect = svg.querySelector('rect');
    if (!path || !rect) throw new Error('no path or background');
    expect(getComputedStyle(path).fill).to.equal('rgb(17, 17, 17)');
    expect(getComputedStyle(rect).fill).to.equal('rgb(255, 255, 255)');
  });

  it('takes its colours from --mfa-qr-color and --mfa-qr-background', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${uri}></mfa-qr>`);
    el.style.setProperty('--mfa-qr-color', 'rgb(0, 0, 128)');
    el.style.setProperty('--mfa-qr-background', 'rgb(255, 255, 224)');
    const svg = await drawn(el);
    const path = svg.querySelector('path');
    if (!path) throw new Error('no path');
    expect(getComputedStyle(path).fill).to.equal('rgb(0, 0, 128)');
  });

  it('redraws when the value changes', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${'first'}></mfa-qr>`);
    const svg = await drawn(el);
    const first = svg.querySelector('path')?.getAttribute('d');
    el.value = 'second';
    await el.updateComplete;
    expect(svgOf(el)?.querySelector('path')?.getAttribute('d')).not.to.equal(first);
  });

  it('shows a same-size placeholder while the encoder loads', async () => {
    let release: (encode: QrEncode) => void = () => undefined;
    qrEncoder.load = () =>
      new Promise<QrEncode>((resolve) => {
        release = resolve;
      });
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${uri} size="180"></mfa-qr>`);
    const placeholder = svgOf(el);
    expect(placeholder?.getAttribute('aria-hidden')).to.equal('true');
    expect(placeholder?.hasAttribute('role')).to.equal(false);
    expect(placeholder?.getBoundingClientRect().width).to.equal(180);
    await expect(el).to.be.accessible();
    release(await realLoad());
    await drawn(el);
  });

  it('says so in a status region when the encoder cannot be loaded', async () => {
    qrEncoder.load = () => Promise.reject(new TypeError('Failed to fetch dynamically imported'));
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${uri}></mfa-qr>`);
    await waitUntil(() => svgOf(el) === null, 'the placeholder stayed');
    const status = el.shadowRoot?.querySelector('[role="status"]');
    expect(status?.textContent.trim()).to.equal(
      'The QR code could not be drawn. Enter the key by hand instead.',
    );
    await expect(el).to.be.accessible();
  });

  it('says so when the value is too long for a QR code', async () => {
    const el = await fixture<MfaQr>(html`<mfa-qr .value=${'x'.repeat(5000)}></mfa-qr>`);
    const status = el.shadowRoot?.querySelector('[role="status"]');
    await waitUntil(() => (status?.textContent.trim() ?? '') !== '', 'no failure message');
    expect(svgOf(el)).to.equal(null);
  });
});

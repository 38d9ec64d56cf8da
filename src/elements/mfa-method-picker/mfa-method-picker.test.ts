import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { DeviceType } from '../../protocol/schemas.ts';
import type { MfaMethodSelectEvent } from '../shared/events.ts';
import type { MfaMethodPicker } from './mfa-method-picker.ts';
import './mfa-method-picker.ts';

const methods: DeviceType[] = ['FIDO2', 'TOTP', 'SMS', 'VOICE', 'WHATSAPP', 'OATH_TOKEN', 'EMAIL'];

async function picker(list: DeviceType[] = methods): Promise<MfaMethodPicker> {
  return fixture<MfaMethodPicker>(html`<mfa-method-picker .methods=${list}></mfa-method-picker>`);
}

function items(el: MfaMethodPicker): HTMLButtonElement[] {
  return [...(el.shadowRoot?.querySelectorAll<HTMLButtonElement>('button[part="item"]') ?? [])];
}

function item(el: MfaMethodPicker, method: DeviceType): HTMLButtonElement {
  const button = items(el).find((b) => b.dataset.method === method);
  if (!button) throw new Error(`no item for ${method}`);
  return button;
}

function text(node: Element | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function recordSelections(el: MfaMethodPicker): MfaMethodSelectEvent[] {
  const events: MfaMethodSelectEvent[] = [];
  el.addEventListener('mfa-method-select', (event) => events.push(event));
  return events;
}

describe('<mfa-method-picker>', () => {
  it('is accessible', async () => {
    const el = await picker();
    await expect(el).to.be.accessible();
  });

  it('is accessible in the dark theme', async () => {
    const el = await fixture<MfaMethodPicker>(
      html`<mfa-method-picker theme="dark" .methods=${methods}></mfa-method-picker>`,
    );
    await expect(el).to.be.accessible();
  });

  it('renders a labelled list of buttons in the given order', async () => {
    const el = await picker();
    const list = el.shadowRoot?.querySelector('ul[part="list"]');
    expect(list?.getAttribute('aria-label')).to.equal('Verification methods you can add');
    expect(items(el).map((b) => b.dataset.method)).to.deep.equal(methods);
    expect(items(el).every((b) => b.type === 'button')).to.equal(true);
  });

  it('shows each method with its icon, name and description', async () => {
    const el = await picker();
    const sms = item(el, 'SMS');
    expect(text(sms.querySelector('.name'))).to.equal('Text message');
    expect(text(sms.querySelector('.description'))).to.equal('We text a code to your phone.');
    expect(sms.querySelector('svg')?.getAttribute('aria-hidden')).to.equal('true');
    const paths = items(el).map((b) => b.querySelector('svg path')?.getAttribute('d'));
    expect(new Set(paths).size, 'every method has its own icon').to.equal(methods.length);
  });

  it('marks email as less secure and passkeys and apps as recommended', async () => {
    const el = await picker();
    const badge = (method: DeviceType) => text(item(el, method).querySelector('[part="badge"]'));
    expect(badge('EMAIL')).to.equal('Less secure');
    expect(badge('FIDO2')).to.equal('Recommended');
    expect(badge('TOTP')).to.equal('Recommended');
    for (const method of ['SMS', 'VOICE', 'WHATSAPP', 'OATH_TOKEN'] as const) {
      expect(item(el, method).querySelector('[part="badge"]'), method).to.equal(null);
    }
    expect(text(item(el, 'EMAIL').querySelector('.name'))).to.equal('Email Less secure');
  });

  it('fires mfa-method-select with the method on click', async () => {
    const el = await picker();
    const selected = oneEvent(el, 'mfa-method-select');
    item(el, 'TOTP').click();
    const event = await selected;
    expect(event.detail).to.deep.equal({ method: 'TOTP' });
    expect(event.bubbles).to.equal(true);
    expect(event.composed).to.equal(true);
  });

  it('selects with Enter and with Space', async () => {
    const el = await picker();
    const selections = recordSelections(el);
    item(el, 'FIDO2').focus();
    await sendKeys({ press: 'Enter' });
    item(el, 'EMAIL').focus();
    await sendKeys({ press: 'Space' });
    expect(selections.map((event) => event.detail.method)).to.deep.equal(['FIDO2', 'EMAIL']);
  });

  it('takes string overrides', async () => {
    const el = await fixture<MfaMethodPicker>(
      html`<mfa-method-picker
        .methods=${['SMS'] satisfies DeviceType[]}
        .strings=${{ 'method.SMS': 'SMS code' }}
      ></mfa-method-picker>`,
    );
    expect(text(item(el, 'SMS').querySelector('.name'))).to.equal('SMS code');
  });

  it('disables every item', async () => {
    const el = await fixture<MfaMethodPicker>(
      html`<mfa-method-picker disabled .methods=${methods}></mfa-method-picker>`,
    );
    expect(items(el).every((b) => b.disabled)).to.equal(true);
    const selections = recordSelections(el);
    item(el, 'SMS').click();
    expect(selections).to.have.length(0);
  });

  it('renders an empty list for no methods', async () => {
    const el = await picker([]);
    expect(items(el)).to.have.length(0);
  });
});

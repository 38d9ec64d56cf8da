import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { DeviceView } from '../../protocol/schemas.ts';
import type { MfaDeviceSelectEvent } from '../shared/events.ts';
import type { MfaDevicePicker } from './mfa-device-picker.ts';
import './mfa-device-picker.ts';

const inAnHour = new Date(Date.now() + 3_600_000).toISOString();

const devices: DeviceView[] = [
  { id: 'd-sms', type: 'SMS', status: 'ACTIVE', target: '+1 ••• ••• 2671' },
  { id: 'd-totp', type: 'TOTP', status: 'ACTIVE', nickname: 'Work phone' },
  { id: 'd-key', type: 'FIDO2', status: 'ACTIVE' },
  { id: 'd-oath', type: 'OATH_TOKEN', status: 'ACTIVE', serialNumber: 'GALT1234' },
  {
    id: 'd-mail',
    type: 'EMAIL',
    status: 'ACTIVE',
    target: 'a•••@example.com',
    lockedUntil: inAnHour,
  },
];

async function picker(list: DeviceView[] = devices): Promise<MfaDevicePicker> {
  return fixture<MfaDevicePicker>(html`<mfa-device-picker .devices=${list}></mfa-device-picker>`);
}

function items(el: MfaDevicePicker): HTMLButtonElement[] {
  return [...(el.shadowRoot?.querySelectorAll<HTMLButtonElement>('button[part="item"]') ?? [])];
}

function item(el: MfaDevicePicker, index: number): HTMLButtonElement {
  const button = items(el)[index];
  if (!button) throw new Error(`no item ${index}`);
  return button;
}

function text(node: Element | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function recordSelections(el: MfaDevicePicker): MfaDeviceSelectEvent[] {
  const events: MfaDeviceSelectEvent[] = [];
  el.addEventListener('mfa-device-select', (event) => events.push(event));
  return events;
}

describe('<mfa-device-picker>', () => {
  it('is accessible', async () => {
    const el = await picker();
    await expect(el).to.be.accessible();
  });

  it('is accessible in the dark theme', async () => {
    const el = await fixture<MfaDevicePicker>(
      html`<mfa-device-picker theme="dark" .devices=${devices}></mfa-device-picker>`,
    );
    await expect(el).to.be.accessible();
  });

  it('renders a labelled list of buttons in the given order', async () => {
    const el = await picker();
    const list = el.shadowRoot?.querySelector('ul[part="list"]');
    expect(list?.getAttribute('aria-label')).to.equal('Your verification methods');
    expect(items(el).map((b) => b.dataset.deviceId)).to.deep.equal([
      'd-sms',
      'd-totp',
      'd-key',
      'd-oath',
      'd-mail',
    ]);
    expect(items(el).every((b) => b.type === 'button')).to.equal(true);
  });

  it('marks only the first device as the default', async () => {
    const el = await picker();
    const badges = items(el).map((b) => b.querySelector('[part="badge"]'));
    expect(text(badges[0])).to.equal('Default');
    expect(badges.slice(1).every((badge) => badge === null)).to.equal(true);
  });

  it('shows the method name and the nickname, masked target or serial', async () => {
    const el = await picker();
    expect(text(item(el, 0).querySelector('.name'))).to.equal('Text message Default');
    expect(text(item(el, 0).querySelector('.detail'))).to.equal('+1 ••• ••• 2671');
    expect(text(item(el, 1).querySelector('.name'))).to.equal('Authenticator app');
    expect(text(item(el, 1).querySelector('.detail'))).to.equal('Work phone');
    expect(text(item(el, 2).querySelector('.name'))).to.equal('Passkey or security key');
    expect(item(el, 2).querySelector('.detail')).to.equal(null);
    expect(text(item(el, 3).querySelector('.detail'))).to.equal('Serial GALT1234');
  });

  it('prefers the nickname to the target', async () => {
    const el = await picker([
      { id: 'd1', type: 'SMS', status: 'ACTIVE', nickname: 'Mum', target: '+1 ••• 2671' },
    ]);
    expect(text(item(el, 0).querySelector('.detail'))).to.equal('Mum');
  });

  it('names an unknown device type by its type and gives it the fallback icon', async () => {
    const el = await picker([{ id: 'd1', type: 'MOBILE', status: 'ACTIVE' }]);
    expect(text(item(el, 0).querySelector('.name'))).to.equal('MOBILE Default');
    const icon = item(el, 0).querySelector('svg');
    expect(icon?.getAttribute('aria-hidden')).to.equal('true');
    expect(icon?.querySelector('path')?.getAttribute('d')).to.match(/^M12 3l8 3/);
  });

  it('renders icons hidden from assistive technology', async () => {
    const el = await picker();
    const icons = items(el).map((b) => b.querySelector('svg'));
    expect(icons.every((svg) => svg instanceof SVGSVGElement)).to.equal(true);
    expect(icons.every((svg) => svg?.getAttribute('aria-hidden') === 'true')).to.equal(true);
    expect(icons.every((svg) => svg?.getAttribute('focusable') === 'false')).to.equal(true);
  });

  it('renders a nickname as text, never as markup', async () => {
    const nickname = '<img src=x onerror=alert(1)>';
    const el = await picker([{ id: 'd1', type: 'SMS', status: 'ACTIVE', nickname }]);
    expect(item(el, 0).querySelector('.detail')?.textContent).to.equal(nickname);
    expect(el.shadowRoot?.querySelector('img')).to.equal(null);
  });

  it('shows a locked device as aria-disabled with the time the lock ends', async () => {
    const el = await picker();
    const locked = item(el, 4);
    expect(locked.getAttribute('aria-disabled')).to.equal('true');
    expect(locked.disabled).to.equal(false);
    expect(getComputedStyle(locked).opacity, 'the lock time stays legible').to.equal('1');
    expect(text(locked.querySelector('.locked'))).to.match(/^Locked until \S/);
    expect(item(el, 0).hasAttribute('aria-disabled')).to.equal(false);

    const selections = recordSelections(el);
    locked.click();
    locked.focus();
    expect(el.shadowRoot?.activeElement).to.equal(locked);
    await sendKeys({ press: 'Enter' });
    expect(selections).to.have.length(0);
  });

  it('treats a lock that has ended as no lock', async () => {
    const el = await picker([
      { id: 'd1', type: 'SMS', status: 'ACTIVE', lockedUntil: '2000-01-01T00:00:00Z' },
    ]);
    expect(item(el, 0).hasAttribute('aria-disabled')).to.equal(false);
    expect(item(el, 0).querySelector('.locked')).to.equal(null);
  });

  it('becomes available again when the lock ends', async () => {
    const soon = new Date(Date.now() + 150).toISOString();
    const el = await picker([{ id: 'd1', type: 'SMS', status: 'ACTIVE', lockedUntil: soon }]);
    expect(item(el, 0).getAttribute('aria-disabled')).to.equal('true');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await el.updateComplete;
    expect(item(el, 0).hasAttribute('aria-disabled')).to.equal(false);
  });

  it('fires mfa-device-select with the device id on click', async () => {
    const el = await picker();
    const selected = oneEvent(el, 'mfa-device-select');
    item(el, 1).click();
    const event = await selected;
    expect(event.detail).to.deep.equal({ deviceId: 'd-totp' });
    expect(event.bubbles).to.equal(true);
    expect(event.composed).to.equal(true);
  });

  it('selects with Enter and with Space', async () => {
    const el = await picker();
    const selections = recordSelections(el);
    item(el, 2).focus();
    await sendKeys({ press: 'Enter' });
    item(el, 3).focus();
    await sendKeys({ press: 'Space' });
    expect(selections.map((event) => event.detail.deviceId)).to.deep.equal(['d-key', 'd-oath']);
  });

  it('reaches every item with Tab, locked ones included', async () => {
    const el = await picker();
    item(el, 0).focus();
    for (let i = 1; i < devices.length; i++) {
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot?.activeElement).to.equal(item(el, i));
    }
  });

  it('disables every item', async () => {
    const el = await fixture<MfaDevicePicker>(
      html`<mfa-device-picker disabled .devices=${devices}></mfa-device-picker>`,
    );
    expect(items(el).every((b) => b.disabled)).to.equal(true);
    const selections = recordSelections(el);
    item(el, 0).click();
    expect(selections).to.have.length(0);
  });
});

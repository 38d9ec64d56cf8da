/**
 * What the behaviour tests share: users set up through the relay's HTTP API (as the element
 * would, from Node), and the checks every step of a flow gets (axe, CSP, console, screenshots in
 * both colour schemes).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { totpCode } from '../helpers/engine-harness.ts';
import {
  assertCleanPage,
  latestMessageId,
  outboxCode,
  RelaySession,
  screenshot,
  ticketFor,
  type DemoServer,
} from './harness.ts';

/** A device to set up for a user before a sign-in test. */
export type DeviceSpec = { type: 'TOTP' } | { type: 'SMS' | 'VOICE'; phone: string };

/**
 * Enrolls `devices` for `sub`, in order, through the relay with an enrollment ticket: the first
 * activation completes MFA for the session, which lets it add the others. Returns the TOTP
 * secret when one was enrolled.
 */
export async function enrollDevices(
  demo: DemoServer,
  sub: string,
  devices: readonly DeviceSpec[],
): Promise<{ totpSecret?: string }> {
  const relay = new RelaySession(demo);
  const opened = await relay.call('POST', '/session', {
    ticket: await ticketFor(demo, sub, 'enroll'),
  });
  assert.equal(opened.status, 201, `session for ${sub}: ${await opened.text()}`);
  let totpSecret: string | undefined;
  for (const spec of devices) {
    const before = spec.type === 'TOTP' ? undefined : await latestMessageId(demo.url, spec.phone);
    const created = await relay.call('POST', '/devices', spec);
    assert.equal(
      created.status,
      201,
      `create ${spec.type} for ${sub}: ${await created.clone().text()}`,
    );
    const body = (await created.json()) as { device: { id: string }; secret?: string };
    let otp: string;
    if (spec.type === 'TOTP') {
      assert.ok(body.secret, 'a TOTP device comes with its secret');
      totpSecret = body.secret;
      // The previous window's code: the current one stays free for a sign-in in the same window.
      otp = totpCode(body.secret, Date.now(), -1);
    } else {
      otp = await outboxCode(demo.url, spec.phone, before === undefined ? {} : { after: before });
    }
    const activated = await relay.call('POST', `/devices/${body.device.id}/activation`, { otp });
    assert.equal(activated.status, 200, `activate ${spec.type}: ${await activated.text()}`);
  }
  return totpSecret === undefined ? {} : { totpSecret };
}

/**
 * The checks of one step of a flow, once its heading shows: no axe violations, no CSP violations
 * and no console errors so far, and a screenshot in light and in dark.
 * `expected` console errors (an error status the test caused on purpose) are allowed.
 */
export async function checkStep(
  page: Page,
  name: string,
  options: { heading?: string | RegExp; expected?: RegExp[] } = {},
): Promise<void> {
  const { heading, expected = [] } = options;
  if (heading !== undefined) {
    await page.getByRole('heading', { level: 2, name: heading }).waitFor({ timeout: 10_000 });
  }
  await assertCleanPage(page, name, expected);
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, name);
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, name);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Seconds in an `m:ss` countdown found in `text`. */
export function countdownSeconds(text: string): number {
  const match = /(\d+):(\d\d)/.exec(text);
  assert.ok(match?.[1] && match[2], `no m:ss countdown in "${text}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** A 6-digit code that is not valid for `secret` around now (for wrong-code tests). */
export function wrongTotpCode(secret: string, seed: number): string {
  const now = Date.now();
  const valid = new Set([-2, -1, 0, 1, 2].map((offset) => totpCode(secret, now, offset)));
  for (let n = seed; ; n += 1) {
    const code = String(n % 1_000_000).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

/**
 * Elements inside `host`'s shadow tree (and the shadow trees within) whose content is wider than
 * their box, or that stick out of the host's frame; and the page itself when it scrolls sideways.
 * Each as a short description.
 */
export function overflowingElements(page: Page, host: string): Promise<string[]> {
  // No nested named functions: tsx would wrap them in a helper the page does not have.
  return page.evaluate((selector) => {
    const found: string[] = [];
    const root = document.querySelector(selector);
    if (!root?.shadowRoot) return [`${selector} not found`];
    const frame = root.getBoundingClientRect();
    const roots: ShadowRoot[] = [root.shadowRoot];
    for (let shadow = roots.pop(); shadow; shadow = roots.pop()) {
      for (const el of Array.from(shadow.querySelectorAll('*'))) {
        if (el.shadowRoot) roots.push(el.shadowRoot);
        if (!(el instanceof HTMLElement) || el.getClientRects().length === 0) continue;
        if (el.closest('.visually-hidden') || el.localName === 'input') continue;
        const part = el.getAttribute('part');
        const name = `<${el.localName}${part ? ` part=${part}` : ''}> “${el.textContent.trim().slice(0, 40)}”`;
        if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
          found.push(`${name}: content ${el.scrollWidth}px wide in a ${el.clientWidth}px box`);
        }
        const box = el.getBoundingClientRect();
        if (box.left < frame.left - 1 || box.right > frame.right + 1) {
          found.push(`${name}: sticks out of the element's frame`);
        }
      }
    }
    if (document.documentElement.scrollWidth > window.innerWidth) {
      found.push(`the page scrolls sideways (${document.documentElement.scrollWidth}px)`);
    }
    return found;
  }, host);
}

/**
 * Phone numbers shown inside `host`'s shadow tree whose `+` is not left of their last digit,
 * i.e. numbers that right-to-left text reordered. Returns each as it reads in the source.
 */
export function reorderedPhoneNumbers(page: Page, host: string): Promise<string[]> {
  return page.evaluate((selector) => {
    const found: string[] = [];
    const root = document.querySelector(selector)?.shadowRoot;
    if (!root) return [`${selector} not found`];
    const roots: ShadowRoot[] = [root];
    for (let shadow = roots.pop(); shadow; shadow = roots.pop()) {
      for (const el of Array.from(shadow.querySelectorAll('*'))) {
        if (el.shadowRoot) roots.push(el.shadowRoot);
      }
      const walker = document.createTreeWalker(shadow, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const match of text.matchAll(/\+[0-9*][0-9* ]*[0-9]/g)) {
          const first = document.createRange();
          first.setStart(node, match.index);
          first.setEnd(node, match.index + 1);
          const last = document.createRange();
          const end = match.index + match[0].length;
          last.setStart(node, end - 1);
          last.setEnd(node, end);
          if (first.getBoundingClientRect().left >= last.getBoundingClientRect().left) {
            found.push(match[0]);
          }
        }
      }
    }
    return found;
  }, host);
}

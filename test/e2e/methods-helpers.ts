/**
 * What the per-method end-to-end flows share: a recorder that checks and photographs every step in
 * both colour schemes, and the steps every flow goes through (password, chooser, /account, sign-out).
 */
import assert from 'node:assert/strict';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  assertCleanRecords,
  cspViolations,
  newPage,
  passwordLogin,
  runAxe,
  screenshot,
  type DemoServer,
} from './harness.ts';

const SCHEMES = ['light', 'dark'] as const;

/** Element steps carry an `<h2>`; the demo's own pages an `<h1>`. */
type HeadingLevel = 1 | 2;

/**
 * Numbers a flow's steps so screenshots sort by flow and step: `<flow>-<nn>-<step>-<scheme>.png`.
 */
export class FlowRecorder {
  private count = 0;
  /** The screenshot name of the step shown now. */
  private current = '';
  /** Faults seen along the way (fault → first step), asserted at the end so the flow runs through. */
  private readonly faults = new Map<string, string>();

  constructor(
    readonly page: Page,
    readonly demo: DemoServer,
    readonly flow: string,
  ) {}

  /**
   * Waits for the step's heading, then in light and in dark: axe finds nothing and a screenshot is
   * saved. CSP violations are checked at every step so a failure names the step.
   */
  async step(
    slug: string,
    heading: string,
    options: { level?: HeadingLevel; ready?: Locator } = {},
  ): Promise<void> {
    const { page } = this;
    const { level = 2, ready } = options;
    await page.getByRole('heading', { name: heading, exact: true, level }).waitFor();
    // A step whose heading the previous one shares (or that draws late) names what shows it.
    await ready?.waitFor();
    this.count++;
    const name = `${this.flow}-${String(this.count).padStart(2, '0')}-${slug}`;
    this.current = name;
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await runAxe(page), [], `${name} (${colorScheme}): axe violations`);
      await screenshot(page, name);
      for (const patch of await backgroundPatches(page)) this.fault(`${patch} (${colorScheme})`);
    }
    assert.deepEqual(cspViolations(page), [], `${name}: CSP violations`);
  }

  /** Password, then the enrollment chooser, then a click on the method's button. */
  async chooseMethod(username: string, method: string): Promise<void> {
    const { page } = this;
    await passwordLogin(page, this.demo.url, username);
    await this.step('enroll-choose', 'Add a verification method');
    await page.getByRole('button', { name: new RegExp(`^${method}\\b`) }).click();
  }

  /** Password again: the sign-in element is shown for a user with an active device. */
  async signInAgain(username: string): Promise<void> {
    await passwordLogin(this.page, this.demo.url, username);
    assert.equal(
      await this.page.locator('mfa-signin').count(),
      1,
      'a user with a device gets <mfa-signin>',
    );
  }

  /** `/account` after the demo verified the result: the user and the claims of the method. */
  async account(
    slug: string,
    expected: { username: string; amr: string; method: string },
  ): Promise<void> {
    const { page } = this;
    await page.waitForURL(`${this.demo.url}/account`);
    await this.step(slug, 'Signed in', { level: 1 });
    assert.equal(
      await page.locator('main .lead').textContent(),
      `Signed in as ${expected.username}.`,
    );
    const claim = (name: string) =>
      page.locator('table.claims tr', { has: page.locator(`th:text-is("${name}")`) }).locator('td');
    assert.equal(await claim('amr').textContent(), expected.amr, 'amr claim');
    assert.equal(await claim('method').textContent(), expected.method, 'method claim');
    const authTime = await claim('auth_time').locator('time').getAttribute('datetime');
    assert.ok(authTime, 'auth_time is shown');
    assert.ok(
      Math.abs(Date.parse(authTime) - Date.now()) < 60_000,
      `auth_time ${authTime} is recent`,
    );
  }

  /** The sign-out button, back to the login page, and /account closed again. */
  async signOut(): Promise<void> {
    const { page } = this;
    const { url } = this.demo;
    await Promise.all([
      page.waitForURL(`${url}/`),
      page.getByRole('button', { name: 'Sign out', exact: true }).click(),
    ]);
    await this.step('signed-out', 'mfa-elements', { level: 1 });
    const res = await page.request.get(`${url}/account`, { maxRedirects: 0 });
    assert.equal(res.status(), 303, 'signed out: /account redirects');
  }

  /** Records something wrong on the current step without stopping the flow. */
  fault(description: string): void {
    if (!this.faults.has(description)) this.faults.set(description, this.current);
  }

  /** No console errors, no CSP violations and no recorded fault over the whole flow. */
  assertClean(): void {
    assertCleanRecords(this.page, this.flow);
    assert.deepEqual(
      [...this.faults].map(([fault, first]) => `${first}: ${fault}`),
      [],
      `${this.flow}: faults seen along the flow`,
    );
  }

  /** Types into the field with this label, as a person would: a click, then the keyboard. */
  async type(label: string, text: string): Promise<void> {
    await this.page.getByLabel(label, { exact: true }).click();
    await this.page.keyboard.type(text);
  }
}

/** Runs `body` on a fresh page (its own cookies), closing it whatever happens. */
export async function withPage(
  browser: Browser,
  body: (page: Page) => Promise<void>,
): Promise<void> {
  const page = await newPage(browser);
  try {
    await body(page);
  } finally {
    await page.context().close();
  }
}

/** A phone number the relay accepts as a mobile (US 415 area, a random line). */
export function mobileNumber(): { typed: string; e164: string } {
  const line = String(Math.floor(Math.random() * 10_000)).padStart(4, '0');
  return { typed: `+1 415 555 ${line}`, e164: `+1415555${line}` };
}

/**
 * Elements inside a flow element (`<mfa-otp-input>`, `<mfa-qr>`…) that paint a background other
 * than the one behind the flow element: they show as boxes on the host's page.
 */
async function backgroundPatches(page: Page): Promise<string[]> {
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  return page.evaluate(() => {
    const clear = 'rgba(0, 0, 0, 0)';
    const found = new Set<string>();
    for (const flow of document.querySelectorAll('mfa-enroll, mfa-signin')) {
      let behind = clear;
      for (let node: Element | null = flow; node && behind === clear; node = node.parentElement) {
        behind = getComputedStyle(node).backgroundColor;
      }
      const roots: ParentNode[] = flow.shadowRoot ? [flow.shadowRoot] : [];
      for (let root = roots.pop(); root; root = roots.pop()) {
        for (const element of root.querySelectorAll('*')) {
          if (element.shadowRoot) roots.push(element.shadowRoot);
          if (!element.localName.includes('-')) continue;
          const background = getComputedStyle(element).backgroundColor;
          if (background !== clear && background !== behind) {
            found.add(`<${element.localName}> in <${flow.localName}>: ${background} on ${behind}`);
          }
        }
      }
    }
    return [...found];
  });
}

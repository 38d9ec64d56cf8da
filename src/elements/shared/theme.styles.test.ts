import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import { LitElement } from 'lit';
import { themeStyles } from './theme.styles.ts';

/** An element with nothing but the shared styles and one of each styled control. */
class ThemeProbe extends LitElement {
  static override styles = [themeStyles];
  protected override render() {
    return html`<h2>Heading</h2>
      <p>Text</p>
      <label for="i">Label</label>
      <input id="i" aria-describedby="h" />
      <p id="h" class="hint">Hint</p>
      <p class="error">Error</p>
      <p class="status" role="status">Status</p>
      <button>Primary</button>
      <button class="secondary">Secondary</button>
      <button class="link">Link</button>`;
  }
}
if (!customElements.get('theme-probe')) customElements.define('theme-probe', ThemeProbe);

const WHITE = 'rgb(255, 255, 255)';
const DARK = 'rgb(27, 27, 31)';

const TRANSPARENT = 'rgba(0, 0, 0, 0)';
const LIGHT_TEXT = 'rgb(27, 27, 31)';
const DARK_TEXT = 'rgb(228, 226, 230)';

const background = (el: Element) => getComputedStyle(el).backgroundColor;
const color = (el: Element) => getComputedStyle(el).color;

describe('themeStyles', () => {
  afterEach(async () => {
    await emulateMedia({ colorScheme: 'light' });
    document.body.style.removeProperty('background');
  });

  it('is light, paints no background of its own, and is accessible by default', async () => {
    const el = await fixture<ThemeProbe>(html`<theme-probe></theme-probe>`);
    expect(background(el)).to.equal(TRANSPARENT);
    expect(color(el)).to.equal(LIGHT_TEXT);
    await expect(el).to.be.accessible();
  });

  it('follows prefers-color-scheme: dark and stays accessible on a dark page', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    document.body.style.setProperty('background', DARK);
    const el = await fixture<ThemeProbe>(html`<theme-probe></theme-probe>`);
    expect(background(el)).to.equal(TRANSPARENT);
    expect(color(el)).to.equal(DARK_TEXT);
    await expect(el).to.be.accessible();
  });

  it('a host-set --mfa-color-background is painted', async () => {
    const el = await fixture<ThemeProbe>(html`<theme-probe></theme-probe>`);
    el.style.setProperty('--mfa-color-background', 'rgb(9, 8, 7)');
    expect(background(el)).to.equal('rgb(9, 8, 7)');
  });

  it('keeps theme="light" light under a dark preference', async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const el = await fixture<ThemeProbe>(html`<theme-probe theme="light"></theme-probe>`);
    expect(background(el)).to.equal(WHITE);
  });

  it('is dark with theme="dark" under a light preference', async () => {
    const el = await fixture<ThemeProbe>(html`<theme-probe theme="dark"></theme-probe>`);
    expect(background(el)).to.equal(DARK);
    await expect(el).to.be.accessible();
  });

  it('lets the public tokens win in both themes', async () => {
    const el = await fixture<ThemeProbe>(html`<theme-probe theme="dark"></theme-probe>`);
    el.style.setProperty('--mfa-color-surface', 'rgb(1, 2, 3)');
    el.style.setProperty('--mfa-color-primary', 'rgb(4, 5, 6)');
    expect(background(el)).to.equal('rgb(1, 2, 3)');
    const button = el.shadowRoot?.querySelector('button');
    if (!button) throw new Error('no button');
    expect(background(button)).to.equal('rgb(4, 5, 6)');
  });

  it('gives every button a 44px touch target', async () => {
    const el = await fixture<ThemeProbe>(html`<theme-probe></theme-probe>`);
    const buttons = [...(el.shadowRoot?.querySelectorAll('button') ?? [])];
    expect(buttons).to.have.length(3);
    for (const button of buttons) {
      const { width, height } = button.getBoundingClientRect();
      expect(height, button.className).to.be.at.least(44);
      expect(width, button.className).to.be.at.least(44);
    }
  });

  it('draws a visible focus ring', async () => {
    const el = await fixture<ThemeProbe>(html`<theme-probe></theme-probe>`);
    const input = el.shadowRoot?.querySelector('input');
    if (!input) throw new Error('no input');
    input.focus();
    const style = getComputedStyle(input);
    expect(style.outlineStyle).to.equal('solid');
    expect(style.outlineWidth).to.equal('2px');
  });
});

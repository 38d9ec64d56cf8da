// LocalizeController on a tiny element in Chromium: where the language comes from, runtime
// changes, direction and per-instance overrides.
import { expect, fixture, waitUntil } from '@open-wc/testing';
import { html, LitElement } from 'lit';
import { addEnglish, createCatalogStore, english, type CatalogStore } from './catalogs.ts';
import { LocalizeController } from './controller.ts';
import ar from './locales/ar.ts';
import de from './locales/de.ts';
import es from './locales/es.ts';
import fr from './locales/fr.ts';
import he from './locales/he.ts';
import ja from './locales/ja.ts';
import { enSignin } from './locales/en-signin.ts';
import pl from './locales/pl.ts';
import type { MessageOverrides, Messages } from './types.ts';

// The probe shows a plural message of <mfa-signin>'s part of the English catalog.
addEnglish(enSignin);

/** The store every probe uses unless a test swaps it; it loads the real catalogs. */
let store: CatalogStore = createCatalogStore({ onError: () => undefined });

class I18nProbe extends LitElement {
  static override properties = { strings: { attribute: false } };

  declare strings: MessageOverrides | undefined;

  readonly i18n = new LocalizeController(this, { catalogs: store });

  override render() {
    return html`<p dir=${this.i18n.dir}>${this.i18n.msg('common.continue')}</p>
      <span>${this.i18n.plural('signin.code.attemptsRemaining', 2)}</span>`;
  }
}
customElements.define('i18n-probe', I18nProbe);

/** Puts a probe inside its shadow root, behind a wrapper without `lang`. */
class I18nShell extends LitElement {
  override render() {
    return html`<div><i18n-probe></i18n-probe></div>`;
  }
}
customElements.define('i18n-shell', I18nShell);

declare global {
  interface HTMLElementTagNameMap {
    'i18n-probe': I18nProbe;
    'i18n-shell': I18nShell;
  }
}

function shown(probe: I18nProbe): string {
  return probe.shadowRoot?.querySelector('p')?.textContent ?? '';
}

function direction(probe: I18nProbe): string | null {
  return probe.shadowRoot?.querySelector('p')?.getAttribute('dir') ?? null;
}

async function settled(probe: I18nProbe): Promise<I18nProbe> {
  await probe.i18n.ready;
  await probe.updateComplete;
  return probe;
}

/** The first probe under `root`, looking into `<i18n-shell>` shadow roots too. */
function probeIn(root: Element): I18nProbe {
  const probe =
    root.localName === 'i18n-probe'
      ? root
      : (root.querySelector('i18n-probe') ??
        root.querySelector('i18n-shell')?.shadowRoot?.querySelector('i18n-probe') ??
        root.shadowRoot?.querySelector('i18n-probe'));
  if (!(probe instanceof I18nProbe)) throw new Error('no probe in the fixture');
  return probe;
}

async function mount(template: ReturnType<typeof html>): Promise<I18nProbe> {
  const root = await fixture<HTMLElement>(template);
  const shell = root.localName === 'i18n-shell' ? root : root.querySelector('i18n-shell');
  if (shell instanceof I18nShell) await shell.updateComplete;
  return settled(probeIn(root));
}

const continueIn = (messages: Messages) => messages['common.continue'];

describe('LocalizeController', () => {
  const htmlElement = document.documentElement;
  let originalLang: string | null;

  beforeEach(() => {
    originalLang = htmlElement.getAttribute('lang');
    htmlElement.removeAttribute('lang');
  });

  afterEach(() => {
    if (originalLang === null) htmlElement.removeAttribute('lang');
    else htmlElement.setAttribute('lang', originalLang);
    store = createCatalogStore({ onError: () => undefined });
  });

  describe('where the language comes from', () => {
    it('takes the element’s own lang first', async () => {
      htmlElement.setAttribute('lang', 'es');
      const probe = await mount(html`<div lang="de"><i18n-probe lang="fr"></i18n-probe></div>`);
      expect(probe.i18n.locale).to.equal('fr');
      expect(shown(probe)).to.equal(continueIn(fr));
    });

    it('takes the closest [lang] ancestor next', async () => {
      htmlElement.setAttribute('lang', 'es');
      const probe = await mount(
        html`<section lang="de">
          <div lang="ja">
            <p><i18n-probe></i18n-probe></p>
          </div>
        </section>`,
      );
      expect(probe.i18n.locale).to.equal('ja');
      expect(shown(probe)).to.equal(continueIn(ja));
    });

    it('treats an empty lang as absent', async () => {
      const probe = await mount(html`<div lang="de"><i18n-probe lang=""></i18n-probe></div>`);
      expect(probe.i18n.locale).to.equal('de');
      expect(shown(probe)).to.equal(continueIn(de));
    });

    it('finds the closest [lang] across a shadow root', async () => {
      const probe = await mount(html`<div lang="pl"><i18n-shell></i18n-shell></div>`);
      expect(probe.i18n.locale).to.equal('pl');
      expect(shown(probe)).to.equal(continueIn(pl));

      const onHost = await mount(html`<div lang="de"><i18n-shell lang="ja"></i18n-shell></div>`);
      expect(onHost.i18n.locale).to.equal('ja');
    });

    it('falls back to <html lang>', async () => {
      htmlElement.setAttribute('lang', 'es-MX');
      const probe = await mount(html`<div><i18n-probe></i18n-probe></div>`);
      expect(probe.i18n.locale).to.equal('es');
      expect(shown(probe)).to.equal(continueIn(es));

      htmlElement.setAttribute('lang', 'de');
      const inShadow = await mount(html`<i18n-shell></i18n-shell>`);
      expect(inShadow.i18n.locale).to.equal('de');
    });

    it('skips a language without a catalog to the next candidate', async () => {
      htmlElement.setAttribute('lang', 'fr');
      const probe = await mount(html`<i18n-probe lang="sv"></i18n-probe>`);
      expect(probe.i18n.locale).to.equal('fr');
    });
  });

  describe('changes at runtime', () => {
    it('re-renders when the element’s own lang changes', async () => {
      const probe = await mount(html`<i18n-probe lang="de"></i18n-probe>`);
      expect(shown(probe)).to.equal(continueIn(de));

      probe.setAttribute('lang', 'fr');
      await waitUntil(() => shown(probe) === continueIn(fr), 'never re-rendered in French');
      expect(probe.i18n.locale).to.equal('fr');
    });

    it('re-renders when an ancestor’s lang changes', async () => {
      const probe = await mount(html`<div lang="de"><i18n-probe></i18n-probe></div>`);
      probe.parentElement?.setAttribute('lang', 'ja');
      await waitUntil(() => shown(probe) === continueIn(ja), 'never re-rendered in Japanese');
    });

    it('re-renders when the lang of a shadow host changes', async () => {
      const probe = await mount(html`<div lang="de"><i18n-shell></i18n-shell></div>`);
      const shell = probe.getRootNode() instanceof ShadowRoot ? probe.getRootNode() : null;
      if (!(shell instanceof ShadowRoot)) throw new Error('the probe is not in a shadow root');
      shell.host.setAttribute('lang', 'pl');
      await waitUntil(() => shown(probe) === continueIn(pl), 'never re-rendered in Polish');
    });

    it('re-renders when <html lang> changes', async () => {
      htmlElement.setAttribute('lang', 'de');
      const probe = await mount(html`<i18n-probe></i18n-probe>`);
      expect(shown(probe)).to.equal(continueIn(de));
      htmlElement.setAttribute('lang', 'es');
      await waitUntil(() => shown(probe) === continueIn(es), 'never re-rendered in Spanish');
    });

    it('ends in the last language asked for when changes overlap a load', async () => {
      const probe = await mount(html`<i18n-probe lang="en"></i18n-probe>`);
      probe.setAttribute('lang', 'ja');
      probe.setAttribute('lang', 'he');
      await settled(probe);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(probe.i18n.locale).to.equal('he');
      expect(shown(probe)).to.equal(continueIn(he));
    });

    it('renders the language it had while the next one loads', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      store = createCatalogStore({
        loaders: { de: () => gate.then(() => ({ default: de })) },
        onError: () => undefined,
      });
      const probe = await fixture<I18nProbe>(html`<i18n-probe lang="de"></i18n-probe>`);
      expect(probe.i18n.locale).to.equal('en');
      expect(shown(probe)).to.equal(english['common.continue']);
      release();
      await settled(probe);
      expect(shown(probe)).to.equal(continueIn(de));
    });
  });

  describe('direction', () => {
    it('is rtl for Arabic and Hebrew, ltr otherwise', async () => {
      const arabic = await mount(html`<i18n-probe lang="ar"></i18n-probe>`);
      expect(arabic.i18n.dir).to.equal('rtl');
      expect(direction(arabic)).to.equal('rtl');
      expect(shown(arabic)).to.equal(continueIn(ar));

      const hebrew = await mount(html`<i18n-probe lang="he-IL"></i18n-probe>`);
      expect(hebrew.i18n.dir).to.equal('rtl');

      const english = await mount(html`<i18n-probe lang="en"></i18n-probe>`);
      expect(english.i18n.dir).to.equal('ltr');
      expect(direction(english)).to.equal('ltr');
    });

    it('follows a change from rtl to ltr', async () => {
      const probe = await mount(html`<i18n-probe lang="ar"></i18n-probe>`);
      probe.setAttribute('lang', 'de');
      await waitUntil(() => direction(probe) === 'ltr', 'never turned ltr');
    });
  });

  describe('per-instance strings', () => {
    it('win over the catalog, in any language, and fall back per message', async () => {
      const probe = await mount(html`<i18n-probe lang="de"></i18n-probe>`);
      probe.strings = {
        'common.continue': 'Proceed',
        'signin.code.attemptsRemaining': { one: 'Last try', other: '{count} tries left' },
      };
      await probe.updateComplete;
      expect(shown(probe)).to.equal('Proceed');
      expect(probe.shadowRoot?.querySelector('span')?.textContent).to.equal('2 tries left');
      expect(probe.i18n.msg('common.back')).to.equal(de['common.back']);

      probe.setAttribute('lang', 'ar');
      await waitUntil(() => probe.i18n.locale === 'ar', 'never switched to Arabic');
      await probe.updateComplete;
      expect(shown(probe)).to.equal('Proceed');
      expect(probe.i18n.msg('common.back')).to.equal(ar['common.back']);
    });
  });

  describe('plural messages', () => {
    it('choose the form of the current language and fill in the count', async () => {
      const probe = await mount(html`<i18n-probe lang="ar"></i18n-probe>`);
      const forms = ar['signin.code.attemptsRemaining'];
      expect(probe.i18n.plural('signin.code.attemptsRemaining', 2)).to.equal(forms.two);
      expect(probe.i18n.plural('signin.code.attemptsRemaining', 5)).to.contain('5');
      expect(probe.i18n.formatCountdown(65)).to.equal('1:05');
    });
  });

  describe('a catalog that fails to load', () => {
    it('leaves the element in English and is tried again on the next refresh', async () => {
      let fail = true;
      let calls = 0;
      store = createCatalogStore({
        loaders: {
          de: () => {
            calls += 1;
            return fail ? Promise.reject(new Error('offline')) : Promise.resolve({ default: de });
          },
        },
        onError: () => undefined,
      });
      const probe = await mount(html`<i18n-probe lang="de"></i18n-probe>`);
      expect(probe.i18n.locale).to.equal('en');
      expect(shown(probe)).to.equal(english['common.continue']);

      fail = false;
      await settled(probe); // `ready` resolves the locale again
      expect(calls).to.equal(2);
      expect(probe.i18n.locale).to.equal('de');
      expect(shown(probe)).to.equal(continueIn(de));
    });
  });
});

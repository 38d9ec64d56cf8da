// @ts-check
// Test-runner commands that drive Chromium's virtual WebAuthn authenticators over the DevTools
// protocol of the page that runs the test file. Browser-side wrappers: test/wtr/webauthn.ts.
//
// Chromium keeps virtual authenticators per tab, and the test runner reuses tabs between test
// files, so every authenticator added here is removed when the tab leaves the test page.

/**
 * @typedef {import('puppeteer-core').Page} Page
 * @typedef {import('puppeteer-core').CDPSession} CDPSession
 * @typedef {{ cdp: CDPSession, authenticators: Set<string> }} PageState
 * @typedef {{
 *   transport?: 'internal' | 'usb',
 *   hasResidentKey?: boolean,
 *   hasUserVerification?: boolean,
 *   isUserVerified?: boolean,
 *   automaticPresenceSimulation?: boolean,
 * }} AddPayload
 */

const PREFIX = 'webauthn-';

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function webauthnPlugin() {
  /** @type {WeakMap<Page, Promise<PageState>>} */
  const states = new WeakMap();
  /** @type {WeakMap<Page, Promise<void>>} cleanups still running when a tab is reused */
  const cleanups = new WeakMap();

  /** @param {Page} page */
  async function open(page) {
    await cleanups.get(page);
    const cdp = await page.createCDPSession();
    await cdp.send('WebAuthn.enable', { enableUI: false });
    /** @type {PageState} */
    const state = { cdp, authenticators: new Set() };
    const onNavigated = (/** @type {import('puppeteer-core').Frame} */ frame) => {
      if (frame !== page.mainFrame() || frame.url() !== 'about:blank') return;
      page.off('framenavigated', onNavigated);
      states.delete(page);
      cleanups.set(page, close(state));
    };
    page.on('framenavigated', onNavigated);
    return state;
  }

  /** @param {PageState} state */
  async function close(state) {
    try {
      for (const id of state.authenticators) {
        await state.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
      }
      await state.cdp.send('WebAuthn.disable');
      await state.cdp.detach();
    } catch {
      // The tab or browser is already gone, and its authenticators with it.
    }
  }

  /** @param {Page} page */
  function stateFor(page) {
    let state = states.get(page);
    if (!state) {
      state = open(page);
      states.set(page, state);
    }
    return state;
  }

  /**
   * @param {PageState} state
   * @param {unknown} id
   */
  function known(state, id) {
    if (typeof id !== 'string' || !state.authenticators.has(id)) {
      throw new Error(`unknown virtual authenticator ${String(id)}`);
    }
    return id;
  }

  return {
    name: 'webauthn-virtual-authenticator',

    async executeCommand({ command, payload, session }) {
      if (!command.startsWith(PREFIX)) return undefined;
      if (session.browser.type !== 'puppeteer' && session.browser.type !== 'playwright') {
        throw new Error(`${command} needs a Chromium launcher, not ${session.browser.type}`);
      }
      const launcher = /** @type {{ getPage(id: string): Page }} */ (
        /** @type {unknown} */ (session.browser)
      );
      const state = await stateFor(launcher.getPage(session.id));
      const args = /** @type {Record<string, unknown>} */ (payload ?? {});

      switch (command) {
        case 'webauthn-add-authenticator': {
          const options = /** @type {AddPayload} */ (args);
          const internal = (options.transport ?? 'internal') === 'internal';
          const { authenticatorId } = await state.cdp.send('WebAuthn.addVirtualAuthenticator', {
            options: {
              protocol: 'ctap2',
              ctap2Version: 'ctap2_1',
              transport: internal ? 'internal' : 'usb',
              hasResidentKey: options.hasResidentKey ?? internal,
              hasUserVerification: options.hasUserVerification ?? internal,
              isUserVerified: options.isUserVerified ?? internal,
              automaticPresenceSimulation: options.automaticPresenceSimulation ?? true,
            },
          });
          state.authenticators.add(authenticatorId);
          return { authenticatorId };
        }
        case 'webauthn-remove-authenticator': {
          const ids =
            args.authenticatorId === undefined
              ? [...state.authenticators]
              : [known(state, args.authenticatorId)];
          for (const id of ids) {
            await state.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
            state.authenticators.delete(id);
          }
          return { removed: ids.length };
        }
        case 'webauthn-set-user-verified': {
          await state.cdp.send('WebAuthn.setUserVerified', {
            authenticatorId: known(state, args.authenticatorId),
            isUserVerified: args.isUserVerified === true,
          });
          return true;
        }
        case 'webauthn-set-presence': {
          await state.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
            authenticatorId: known(state, args.authenticatorId),
            enabled: args.enabled === true,
          });
          return true;
        }
        case 'webauthn-credentials': {
          const { credentials } = await state.cdp.send('WebAuthn.getCredentials', {
            authenticatorId: known(state, args.authenticatorId),
          });
          // The private key stays on the server side: tests only need to see what was stored.
          return credentials.map((c) => ({
            credentialId: c.credentialId,
            rpId: c.rpId ?? null,
            userHandle: c.userHandle ?? null,
            isResidentCredential: c.isResidentCredential,
            signCount: c.signCount,
          }));
        }
        default:
          throw new Error(`unknown command ${command}`);
      }
    },
  };
}

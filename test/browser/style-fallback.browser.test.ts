/**
 * Security bar §4 item 49: where a browser cannot adopt constructed stylesheets, Lit falls back to
 * `<style>` elements; with `window.litNonce` set, they carry the page's nonce, so a
 * `style-src 'nonce-…'` policy lets them apply and reports no violation.
 *
 * This file imports nothing statically: Lit decides between the two ways when its first module
 * runs, so the browser's support is taken away before any element module is loaded.
 */

const NONCE = 'style-fallback-nonce';

interface LitWindow {
  litNonce?: string;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

describe('styles where constructed stylesheets are not supported', () => {
  const violations: string[] = [];

  before(() => {
    (window as LitWindow).litNonce = NONCE;
    // What Lit looks for before it adopts stylesheets.
    Reflect.deleteProperty(Document.prototype, 'adoptedStyleSheets');
    Reflect.deleteProperty(ShadowRoot.prototype, 'adoptedStyleSheets');
    document.addEventListener('securitypolicyviolation', (event) => {
      violations.push(`${event.violatedDirective}: ${event.blockedURI}`);
    });
    const policy = document.createElement('meta');
    policy.httpEquiv = 'Content-Security-Policy';
    policy.content = `style-src 'nonce-${NONCE}'`;
    document.head.append(policy);
  });

  it('renders <style> elements with the nonce, styled, and without a violation', async () => {
    await import('../../src/elements/mfa-otp-input/mfa-otp-input.ts');
    const element = document.createElement('mfa-otp-input');
    document.body.append(element);
    await (element as HTMLElement & { updateComplete: Promise<boolean> }).updateComplete;

    const root = element.shadowRoot;
    check(root !== null, 'the element has a shadow root');
    const styles = [...(root?.querySelectorAll('style') ?? [])];
    check(styles.length > 0, 'Lit fell back to <style> elements');
    for (const style of styles) {
      check(style.nonce === NONCE, `every <style> carries the nonce, got "${style.nonce ?? ''}"`);
    }
    const input = root?.querySelector('input');
    if (!input) throw new Error('the code field is rendered');
    const computed = getComputedStyle(input);
    check(
      computed.borderTopStyle === 'solid',
      `the theme's border applies: ${computed.borderTopStyle}`,
    );
    check(/mono/i.test(computed.fontFamily), `the code is monospace: ${computed.fontFamily}`);

    // Violation reports are queued: give them a turn before counting.
    await new Promise((resolve) => setTimeout(resolve, 50));
    check(violations.length === 0, `no CSP violation: ${violations.join('; ')}`);
    element.remove();
  });
});

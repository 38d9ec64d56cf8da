/**
 * The `/mfa` page's code: defines the elements, and when one reports a verified second factor,
 * hands the signed result to the host's server, which checks it before signing the person in.
 * @module
 */
// Only the elements this page shows, as a customer's page would import them: each loads the
// code of later steps (device list, passkeys, QR code, other languages) when they open.
import '../../src/elements/mfa-signin/mfa-signin.ts';
import '../../src/elements/mfa-enroll/mfa-enroll.ts';

const flow = document.getElementById('demo-flow');
const status = document.getElementById('demo-status');
const restart = document.getElementById('demo-restart');
let completing = false;

function fail(message: string): void {
  if (status) status.textContent = message;
  if (restart) restart.hidden = false;
}

async function complete(result: string): Promise<void> {
  if (completing) return;
  completing = true;
  if (status) status.textContent = 'Signing you in…';
  try {
    const res = await fetch('/login/complete', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-demo-csrf': '1' },
      body: JSON.stringify({ result }),
    });
    if (res.status === 204) {
      window.location.assign('/account');
      return;
    }
    fail('The sign-in could not be completed.');
  } catch {
    fail('The server could not be reached.');
  }
  completing = false;
}

// The language picker: the element follows the page's language until one is picked.
const language = document.getElementById('demo-lang');
if (language instanceof HTMLSelectElement) {
  const element = flow?.querySelector<HTMLElement>('mfa-signin, mfa-enroll');
  const pageLang = document.documentElement.lang;
  if ([...language.options].some((option) => option.value === pageLang)) language.value = pageLang;
  language.addEventListener('change', () => {
    if (element) element.lang = language.value;
  });
}

flow?.addEventListener('mfa-complete', (event) => {
  void complete(event.detail.result);
});
flow?.addEventListener('mfa-enrolled', (event) => {
  // Activating a device proves possession of it; without a result the flow goes on to a sign-in.
  if (event.detail.result !== undefined) void complete(event.detail.result);
});
flow?.addEventListener('mfa-error', (event) => {
  if (event.detail.fatal && restart) restart.hidden = false;
});
flow?.addEventListener('mfa-cancel', () => {
  window.location.assign('/');
});

/**
 * The methods that deliver a code (SMS, voice, email, WhatsApp) end to end in Chromium against the
 * demo: enrolled from the chooser, signed in on /account with the method's claims, signed out,
 * signed in again with the same method; the codes come from the outbox. Every step is checked with
 * axe and photographed in light and dark; CSP violations and console errors fail.
 */
import { describe, it } from 'node:test';
import { latestMessageId, outboxCode, withDemoAndBrowser } from './harness.ts';
import { FlowRecorder, mobileNumber, withPage } from './methods-helpers.ts';

interface DeliveredMethod {
  flow: string;
  /** The method's name in the chooser. */
  name: string;
  details: { heading: string; label: string; submit: string };
  signinHeading: string;
  amr: string;
  type: 'SMS' | 'VOICE' | 'EMAIL' | 'WHATSAPP';
}

const PHONE = { heading: 'Add your phone number', label: 'Phone number' };

const DELIVERED: DeliveredMethod[] = [
  {
    flow: 'sms',
    name: 'Text message',
    details: { ...PHONE, submit: 'Text me a code' },
    signinHeading: 'Enter the code we texted you',
    amr: 'otp, sms, mfa',
    type: 'SMS',
  },
  {
    flow: 'voice',
    name: 'Voice call',
    details: { ...PHONE, submit: 'Call me with a code' },
    signinHeading: 'Enter the code from our call',
    amr: 'otp, tel, mfa',
    type: 'VOICE',
  },
  {
    flow: 'email',
    name: 'Email',
    details: {
      heading: 'Add your email address',
      label: 'Email address',
      submit: 'Email me a code',
    },
    signinHeading: 'Enter the code we emailed you',
    amr: 'otp, mfa',
    type: 'EMAIL',
  },
  {
    flow: 'whatsapp',
    name: 'WhatsApp',
    details: {
      heading: 'Add your WhatsApp number',
      label: 'Phone number',
      submit: 'Send me a code on WhatsApp',
    },
    signinHeading: 'Enter the code we sent on WhatsApp',
    amr: 'otp, mfa',
    type: 'WHATSAPP',
  },
];

describe('methods that deliver a code: enroll, sign out, sign in with it', () => {
  const e2e = withDemoAndBrowser();

  for (const method of DELIVERED) {
    it(`${method.type}: the codes come from the outbox`, () =>
      withPage(e2e.browser, async (page) => {
        const flow = new FlowRecorder(page, e2e.demo, method.flow);
        const username = `${method.flow}-user`;
        const phone = mobileNumber();
        const email = `${username}@example.com`;
        const recipient = method.type === 'EMAIL' ? email : phone.e164;

        await flow.chooseMethod(username, method.name);
        await flow.step('enroll-details', method.details.heading);
        await flow.type(method.details.label, method.type === 'EMAIL' ? email : phone.typed);
        await page.getByRole('button', { name: method.details.submit, exact: true }).click();

        await flow.step('enroll-code', 'Enter the code we sent');
        await flow.type('Verification code', await outboxCode(e2e.demo.url, recipient));
        const claims = { username, amr: method.amr, method: method.type };
        await flow.account('enrolled-account', claims);
        await flow.signOut();

        const previous = await latestMessageId(e2e.demo.url, recipient);
        await flow.signInAgain(username);
        await flow.step('signin-code', method.signinHeading);
        const code = await outboxCode(e2e.demo.url, recipient, {
          ...(previous !== undefined ? { after: previous } : {}),
        });
        await flow.type('Verification code', code);
        await flow.account('signin-account', claims);
        flow.assertClean();
      }));
  }
});

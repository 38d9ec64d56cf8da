/**
 * The demo host's HTML. Every dynamic value goes through `escape`; no page has an inline script,
 * an inline style or an event attribute (the CSP forbids them).
 * @module
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in double-quoted attribute values. */
export function escape(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

function layout(options: { title: string; main: string; script?: string }): string {
  const script = options.script
    ? `\n    <script type="module" src="${escape(options.script)}"></script>`
    : '';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escape(options.title)} · mfa-elements demo</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/site.css" />${script}
  </head>
  <body>
    <header class="site">
      <a class="brand" href="/">mfa-elements</a>
      <nav aria-label="Demo">
        <a href="/outbox">Outbox</a>
      </nav>
    </header>
    <main>
${options.main}
    </main>
  </body>
</html>
`;
}

const LOGIN_ERROR_MARK = '<!--login-error-->';
const USERNAME_VALUE_MARK = 'value=""';
const PASSWORD_DESCRIBED = 'aria-describedby="password-hint"';

/** `index.html` as served after a failed attempt: the error, linked to the fields, and the name kept. */
export function loginPage(
  template: string,
  failure?: { message: string; username: string },
): string {
  if (!failure) return template;
  return template
    .replace(
      LOGIN_ERROR_MARK,
      `<p class="error" id="login-error" role="alert">${escape(failure.message)}</p>`,
    )
    .replace(USERNAME_VALUE_MARK, `value="${escape(failure.username)}"`)
    .replace(
      PASSWORD_DESCRIBED,
      'aria-describedby="login-error password-hint" aria-invalid="true"',
    );
}

export type Purpose = 'signin' | 'enroll';

/** The element's languages, each named in itself, for the language picker on `/mfa`. */
export const DEMO_LOCALES: readonly (readonly [tag: string, name: string])[] = [
  ['en', 'English'],
  ['de', 'Deutsch'],
  ['fr', 'Français'],
  ['es', 'Español'],
  ['it', 'Italiano'],
  ['pt-BR', 'Português (Brasil)'],
  ['nl', 'Nederlands'],
  ['pl', 'Polski'],
  ['ja', '日本語'],
  ['zh-CN', '简体中文'],
  ['ar', 'العربية'],
  ['he', 'עברית'],
];

/** A `<select>` of the languages; `demo/app/main.ts` sets the element's `lang` from it. */
function languagePicker(): string {
  const options = DEMO_LOCALES.map(
    ([tag, name]) =>
      `          <option value="${escape(tag)}" lang="${escape(tag)}">${escape(name)}</option>`,
  ).join('\n');
  return `      <p class="language">
        <label for="demo-lang">Language</label>
        <select id="demo-lang">
${options}
        </select>
      </p>`;
}

/** The second step: the element for `purpose`, holding a fresh ticket. */
export function mfaPage(options: {
  username: string;
  purpose: Purpose;
  ticket: string;
  /** Where the relay's API is mounted (`MFA_MOUNT_PATH`). */
  api: string;
}): string {
  const { username, purpose, ticket, api } = options;
  const tag = purpose === 'signin' ? 'mfa-signin' : 'mfa-enroll';
  const heading = purpose === 'signin' ? 'Verify it’s you' : 'Add a second factor';
  const next =
    purpose === 'signin'
      ? 'Confirm with one of your devices to finish signing in.'
      : 'This account has no second factor yet: add one to finish signing in.';
  return layout({
    title: heading,
    script: '/assets/demo.js',
    main: `      <h1>${escape(heading)}</h1>
      <p class="lead">Password accepted for <strong>${escape(username)}</strong>. ${escape(next)}</p>
${languagePicker()}
      <div class="flow" id="demo-flow">
        <${tag} api="${escape(api)}" ticket="${escape(ticket)}"></${tag}>
      </div>
      <p class="status" id="demo-status" role="status"></p>
      <p id="demo-restart" hidden><a href="/">Start again</a></p>`,
  });
}

export interface AccountView {
  username: string;
  amr: readonly string[];
  method: string;
  authTime: number;
}

export function accountPage(view: AccountView): string {
  const authTime = new Date(view.authTime * 1000).toISOString();
  return layout({
    title: 'Signed in',
    main: `      <h1>Signed in</h1>
      <p class="lead">Signed in as <strong>${escape(view.username)}</strong>.</p>
      <table class="claims">
        <caption>Verified claims of the MFA result</caption>
        <tbody>
          <tr><th scope="row">amr</th><td>${escape(view.amr.join(', '))}</td></tr>
          <tr><th scope="row">method</th><td>${escape(view.method)}</td></tr>
          <tr><th scope="row">auth_time</th><td><time datetime="${authTime}">${escape(authTime.replace('T', ' ').slice(0, 19))} UTC</time></td></tr>
        </tbody>
      </table>
      <form method="post" action="/logout">
        <button type="submit">Sign out</button>
      </form>`,
  });
}

export interface OutboxMessage {
  id: string;
  channel: string;
  to: string;
  text: string;
  createdAt: string;
}

function outboxRow(message: OutboxMessage): string {
  const time = message.createdAt.replace('T', ' ').slice(0, 19);
  return `          <tr data-id="${escape(message.id)}">
            <td><time datetime="${escape(message.createdAt)}">${escape(time)} UTC</time></td>
            <td>${escape(message.channel)}</td>
            <td>${escape(message.to)}</td>
            <td class="message">${escape(message.text)}</td>
          </tr>`;
}

/** The outbox; `messages` undefined when PingOne delivers for real. */
export function outboxPage(messages: readonly OutboxMessage[] | undefined): string {
  if (messages === undefined) {
    return layout({
      title: 'Outbox',
      main: `      <h1>Outbox</h1>
      <p class="lead">
        This server uses PingOne: SMS, voice, email and WhatsApp messages go to real phones and
        inboxes, so there is no outbox to show.
      </p>`,
    });
  }
  return layout({
    title: 'Outbox',
    script: '/assets/outbox.js',
    main: `      <h1>Outbox</h1>
      <p class="lead">
        SMS, voice, email and WhatsApp messages the embedded engine delivered, newest first. No
        message leaves this machine. The list updates by itself.
      </p>
      <p class="status" id="outbox-status" role="status"></p>
      <table class="outbox" id="outbox"${messages.length === 0 ? ' hidden' : ''}>
        <caption>Delivered messages</caption>
        <thead>
          <tr><th scope="col">Time</th><th scope="col">Channel</th><th scope="col">Recipient</th><th scope="col">Message</th></tr>
        </thead>
        <tbody>
${messages.map(outboxRow).join('\n')}
        </tbody>
      </table>
      <p id="outbox-empty"${messages.length === 0 ? '' : ' hidden'}>No messages yet.</p>`,
  });
}

/** A short page for refusals (foreign origin, upstream down). */
export function messagePage(title: string, text: string): string {
  return layout({
    title,
    main: `      <h1>${escape(title)}</h1>
      <p class="lead">${escape(text)}</p>
      <p><a href="/">Back to sign-in</a></p>`,
  });
}

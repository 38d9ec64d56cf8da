/**
 * The relay the element tests talk to: the product's server (relay + embedded engine) in its own
 * process, as `npm start` runs it, plus a small control API under `/__test` that plays the host
 * application (mints tickets) and the person's phone (reads delivered codes).
 * Started by `relay-plugin.mjs`; the test page reaches it through the dev server's proxy, so the
 * relay sees one origin, like a real embedding.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { pino } from 'pino';
import { DEFAULT_LIMIT_RULES } from '../../src/bff/rate-limits.ts';
import { outboxMessages } from '../../src/engine/context.ts';
import { purpose } from '../../src/protocol/index.ts';
import { loadConfig } from '../../src/server/config.ts';
import { openRelayKeys } from '../../src/server/data-dir.ts';
import { signTicket } from '../../src/server/host-ticket.ts';
import { createServer } from '../../src/server/server.ts';
import { codeIn } from '../helpers/engine-harness.ts';

const config = loadConfig(process.env, []);
// Every test page reaches the relay from one address: the per-IP limits would make the suite's
// own volume the subject. The per-user, per-session and per-device limits stay as shipped.
const perIp = { points: 100_000, durationSeconds: 60 };
const server = await createServer(config, pino({ level: 'warn' }), {
  limits: {
    rules: {
      ...DEFAULT_LIMIT_RULES,
      'session.ip': perIp,
      'create.ip': perIp,
      'send.ip': perIp,
      'check.ip': perIp,
    },
  },
});
const engine = server.engine;
if (!engine) throw new Error('The element tests need the embedded engine.');
const ticketSecret = config.relay.ticket.secret ?? openRelayKeys(config.dataDir).ticketSecret;

const app = new Hono();
app.post('/__test/ticket', async (c) => {
  const body = await c.req.json<{ sub?: unknown; purpose?: unknown; ageSeconds?: unknown }>();
  // A ticket minted `ageSeconds` ago, to test expiry.
  const age = typeof body.ageSeconds === 'number' ? body.ageSeconds * 1000 : 0;
  const wanted = purpose.safeParse(body.purpose);
  if (typeof body.sub !== 'string' || !wanted.success)
    return c.json({ error: 'sub, purpose' }, 400);
  const ticket = await signTicket({
    secret: ticketSecret,
    sub: body.sub,
    purpose: wanted.data,
    audience: config.relay.ticket.audience,
    issuer: config.relay.publicOrigin,
    now: () => Date.now() - age,
  });
  return c.json({ ticket });
});
app.get('/__test/code', (c) => {
  const to = c.req.query('to') ?? '';
  const [message] = outboxMessages(engine.context, { to, limit: 1 });
  if (!message) return c.json({ error: `nothing delivered to ${to}` }, 404);
  return c.json({
    code: codeIn(message.text, to),
    count: outboxMessages(engine.context, { to, limit: 1000 }).length,
  });
});
app.route('/', server.app);

const port = Number(process.env.PORT);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => {
  process.stdout.write(`relay ready on ${String(port)}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void server.close().finally(() => process.exit(0));
  });
}

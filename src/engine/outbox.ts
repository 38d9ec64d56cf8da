/**
 * Engine-only routes: the outbox of delivered messages, and the admin import of OATH token
 * serial numbers. Both need the worker token.
 * @module
 */
import { Hono } from 'hono';
import { Secret } from 'otpauth';
import { z } from 'zod';
import { iso, outboxMessages, type EngineContext } from './context.ts';
import { seal } from './crypto.ts';
import { EngineError, invalidValue } from './errors.ts';
import { MEDIA, readBody, requireMediaType } from './http.ts';
import { transaction } from './store/db.ts';
import type { OathTokenRow } from './store/rows.ts';

export function outboxRoutes(ctx: EngineContext): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const to = c.req.query('to');
    const limit = Number(c.req.query('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw invalidValue('limit', 'limit must be an integer from 1 to 1000');
    }
    if (to !== undefined && (to.length === 0 || to.length > 254)) {
      throw invalidValue('to', 'to must be a phone number or an email address');
    }
    const messages = outboxMessages(ctx, { ...(to !== undefined ? { to } : {}), limit });
    return c.json({
      messages: messages.map((message) => ({
        id: message.id,
        channel: message.channel,
        to: message.recipient,
        text: message.text,
        createdAt: iso(message.created_at),
      })),
      count: messages.length,
    });
  });
  return app;
}

const base32 = z
  .string()
  .transform((value) => value.replace(/\s/g, '').toUpperCase())
  .refine((value) => /^[A-Z2-7]+=*$/.test(value) && Secret.fromBase32(value).bytes.length >= 16, {
    message: 'secret must be base32 of at least 128 bits',
  });

const tokenSchema = z.strictObject({
  serialNumber: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9-]+$/),
  secret: base32,
  type: z.enum(['HOTP', 'TOTP']),
  algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
  digits: z.union([z.literal(6), z.literal(8)]).default(6),
  period: z.union([z.literal(30), z.literal(60)]).default(30),
  counter: z.number().int().min(0).default(0),
});

export type OathTokenImport = z.input<typeof tokenSchema>;

const importSchema = z.strictObject({ tokens: z.array(tokenSchema).min(1).max(1000) });

export function importOathTokens(ctx: EngineContext, tokens: z.infer<typeof tokenSchema>[]): void {
  transaction(ctx.db, () => {
    const exists = ctx.db.prepare('SELECT 1 FROM oath_tokens WHERE serial = ?');
    const insert = ctx.db.prepare(
      `INSERT INTO oath_tokens (serial, secret, kind, algorithm, digits, period, counter, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const seen = new Set<string>();
    for (const token of tokens) {
      if (seen.has(token.serialNumber) || exists.get(token.serialNumber)) {
        throw new EngineError(400, 'INVALID_DATA', [
          {
            code: 'UNIQUENESS_VIOLATION',
            target: 'tokens.serialNumber',
            message: `Serial number ${token.serialNumber} is already imported.`,
          },
        ]);
      }
      seen.add(token.serialNumber);
      insert.run(
        token.serialNumber,
        seal(ctx.keys, token.secret, `oath:${token.serialNumber}`),
        token.type,
        token.algorithm,
        token.digits,
        token.period,
        token.counter,
        ctx.now(),
      );
    }
  });
  ctx.log({ event: 'oath_tokens.imported', count: tokens.length });
}

export function adminRoutes(ctx: EngineContext): Hono {
  const app = new Hono();
  app.post('/oathTokens', async (c) => {
    requireMediaType(c, [MEDIA.json]);
    const { tokens } = await readBody(c, importSchema);
    importOathTokens(ctx, tokens);
    return c.json({ imported: tokens.length }, 201);
  });
  app.get('/oathTokens', (c) => {
    const rows = ctx.db
      .prepare(
        `SELECT t.*, d.id AS device_id FROM oath_tokens t LEFT JOIN devices d ON d.oath_serial = t.serial ORDER BY t.serial`,
      )
      .all() as (OathTokenRow & { device_id: string | null })[];
    return c.json({
      tokens: rows.map((row) => ({
        serialNumber: row.serial,
        type: row.kind,
        algorithm: row.algorithm,
        digits: row.digits,
        period: row.period,
        paired: row.device_id !== null,
      })),
    });
  });
  return app;
}

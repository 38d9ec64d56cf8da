/**
 * Users: the part of PingOne's user API a relay needs (create, find by username, read,
 * `mfaEnabled`).
 * @module
 */
import { Hono } from 'hono';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { apiUrl, getUser, iso, newId, readSettings, type EngineContext } from './context.ts';
import { EngineError, invalidValue } from './errors.ts';
import { emailSchema, phoneSchema } from './fields.ts';
import { MEDIA, links, readBody, requireMediaType } from './http.ts';
import { transaction } from './store/db.ts';
import type { UserRow } from './store/rows.ts';

const createUserSchema = z.strictObject({
  username: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^\p{Cc}\s]+$/u, {
      message: 'username must not contain spaces or control characters',
    }),
  email: emailSchema.optional(),
  mobilePhone: phoneSchema.optional(),
});

const mfaEnabledSchema = z.strictObject({ mfaEnabled: z.boolean() });

/** PingOne SCIM-style filter; the engine supports `username eq "…"` and `email eq "…"`. */
const FILTER = /^\s*(username|email)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

export function userResource(ctx: EngineContext, user: UserRow) {
  const self = apiUrl(ctx, `/users/${user.id}`);
  return {
    _links: links({
      self,
      environment: apiUrl(ctx, ''),
      devices: `${self}/devices`,
      mfaEnabled: `${self}/mfaEnabled`,
    }),
    id: user.id,
    environment: { id: ctx.environmentId },
    username: user.username,
    ...(user.email ? { email: user.email } : {}),
    ...(user.mobile_phone ? { mobilePhone: user.mobile_phone } : {}),
    enabled: true,
    mfaEnabled: user.mfa_enabled === 1,
    createdAt: iso(user.created_at),
    updatedAt: iso(user.updated_at),
  };
}

export function createUser(ctx: EngineContext, input: z.infer<typeof createUserSchema>): UserRow {
  return transaction(ctx.db, () => {
    const taken = ctx.db.prepare('SELECT 1 FROM users WHERE username = ?').get(input.username);
    if (taken) {
      throw new EngineError(400, 'INVALID_DATA', [
        { code: 'UNIQUENESS_VIOLATION', target: 'username', message: 'username is already in use' },
      ]);
    }
    const now = ctx.now();
    const mfaEnabled = readSettings(ctx).settings.users?.mfaEnabled ?? false;
    const id = newId();
    ctx.db
      .prepare(
        `INSERT INTO users (id, username, email, mobile_phone, mfa_enabled, webauthn_handle, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.username,
        input.email ?? null,
        input.mobilePhone ?? null,
        mfaEnabled ? 1 : 0,
        randomBytes(32).toString('base64url'),
        now,
        now,
      );
    ctx.log({ event: 'user.created', userId: id });
    return getUser(ctx, id);
  });
}

export function userRoutes(ctx: EngineContext): Hono {
  const app = new Hono();

  app.post('/', async (c) => {
    requireMediaType(c, [MEDIA.json]);
    const input = await readBody(c, createUserSchema);
    const user = createUser(ctx, input);
    return c.json(userResource(ctx, user), 201);
  });

  app.get('/', (c) => {
    const filter = c.req.query('filter');
    const limitText = c.req.query('limit') ?? '100';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw invalidValue('limit', 'limit must be an integer from 1 to 1000');
    }
    let rows: UserRow[];
    if (filter === undefined) {
      rows = ctx.db
        .prepare('SELECT * FROM users ORDER BY created_at, id LIMIT ?')
        .all(limit) as UserRow[];
    } else {
      const match = FILTER.exec(filter);
      if (!match?.[1] || match[2] === undefined) {
        throw invalidValue('filter', 'Unsupported filter. Use: username eq "…" or email eq "…"');
      }
      const column = match[1].toLowerCase() === 'email' ? 'email' : 'username';
      const value = match[2].replace(/\\(.)/g, '$1');
      rows = ctx.db
        .prepare(
          `SELECT * FROM users WHERE ${column} = ? COLLATE NOCASE ORDER BY created_at LIMIT ?`,
        )
        .all(value, limit) as UserRow[];
    }
    return c.json({
      _links: links({ self: apiUrl(ctx, '/users') }),
      _embedded: { users: rows.map((row) => userResource(ctx, row)) },
      count: rows.length,
      size: rows.length,
    });
  });

  app.get('/:userId', (c) => c.json(userResource(ctx, getUser(ctx, c.req.param('userId')))));

  app.get('/:userId/mfaEnabled', (c) => {
    const user = getUser(ctx, c.req.param('userId'));
    return c.json(mfaEnabledResource(ctx, user));
  });

  app.put('/:userId/mfaEnabled', async (c) => {
    requireMediaType(c, [MEDIA.json]);
    const userId = c.req.param('userId');
    getUser(ctx, userId);
    const { mfaEnabled } = await readBody(c, mfaEnabledSchema);
    const user = transaction(ctx.db, () => {
      ctx.db
        .prepare('UPDATE users SET mfa_enabled = ?, updated_at = ? WHERE id = ?')
        .run(mfaEnabled ? 1 : 0, ctx.now(), userId);
      return getUser(ctx, userId);
    });
    return c.json(mfaEnabledResource(ctx, user));
  });

  return app;
}

function mfaEnabledResource(ctx: EngineContext, user: UserRow) {
  return {
    _links: links({
      self: apiUrl(ctx, `/users/${user.id}/mfaEnabled`),
      user: apiUrl(ctx, `/users/${user.id}`),
    }),
    mfaEnabled: user.mfa_enabled === 1,
  };
}

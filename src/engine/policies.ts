/**
 * Environment configuration: `mfaSettings` (read, update, reset), device authentication
 * policies (list, read, create, update, delete) and FIDO2 policies (list, read).
 * @module
 */
import { Hono } from 'hono';
import { apiUrl, iso, newId, readPolicyRow, readSettings, type EngineContext } from './context.ts';
import { invalidState, invalidValue, notFound } from './errors.ts';
import { MEDIA, links, parseWith, readJsonObject, requireMediaType } from './http.ts';
import {
  POLICY_READ_ONLY,
  SETTINGS_READ_ONLY,
  defaultMfaSettings,
  mfaPolicySchema,
  mfaSettingsSchema,
  type MfaPolicy,
} from './model/policy.ts';
import { transaction } from './store/db.ts';
import type { PolicyRow } from './store/rows.ts';

function withoutReadOnly(body: Record<string, unknown>, readOnly: readonly string[]) {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !readOnly.includes(key)));
}

function settingsResource(ctx: EngineContext) {
  const { settings, updatedAt } = readSettings(ctx);
  return {
    _links: links({ self: apiUrl(ctx, '/mfaSettings'), environment: apiUrl(ctx, '') }),
    environment: { id: ctx.environmentId },
    ...settings,
    updatedAt: iso(updatedAt),
  };
}

export function writeSettings(ctx: EngineContext, body: unknown): void {
  ctx.db
    .prepare(
      'INSERT INTO settings (id, body, updated_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
    )
    .run(JSON.stringify(body), ctx.now());
}

export function settingsRoutes(ctx: EngineContext): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json(settingsResource(ctx)));
  app.put('/', async (c) => {
    requireMediaType(c, [MEDIA.json]);
    const body = await readJsonObject(c);
    const settings = parseWith(mfaSettingsSchema, withoutReadOnly(body, SETTINGS_READ_ONLY));
    transaction(ctx.db, () => {
      writeSettings(ctx, settings);
    });
    ctx.log({ event: 'settings.updated' });
    return c.json(settingsResource(ctx));
  });
  app.delete('/', (c) => {
    transaction(ctx.db, () => {
      writeSettings(ctx, defaultMfaSettings());
    });
    ctx.log({ event: 'settings.reset' });
    return c.body(null, 204);
  });
  return app;
}

function policyResource(ctx: EngineContext, row: PolicyRow) {
  const collection = row.kind === 'mfa' ? 'deviceAuthenticationPolicies' : 'fido2Policies';
  const body = JSON.parse(row.body) as Record<string, unknown>;
  // The spec types `fido2.fido2PolicyId` as a string (its description allows null): a null id is
  // left out, which means the same (the environment's default FIDO2 policy) and parses back to null.
  const fido2 = body.fido2 as Record<string, unknown> | undefined;
  if (fido2?.fido2PolicyId === null) delete fido2.fido2PolicyId;
  return {
    _links: links({ self: apiUrl(ctx, `/${collection}/${row.id}`), environment: apiUrl(ctx, '') }),
    id: row.id,
    environment: { id: ctx.environmentId },
    ...body,
    default: row.is_default === 1,
    ...(row.kind === 'mfa' ? { forSignOnPolicy: false } : {}),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function listPolicies(ctx: EngineContext, kind: PolicyRow['kind']): PolicyRow[] {
  return ctx.db
    .prepare('SELECT * FROM policies WHERE kind = ? ORDER BY is_default DESC, created_at, id')
    .all(kind) as PolicyRow[];
}

/** Stores a policy; making one the default takes the flag from the previous default. */
export function savePolicy(
  ctx: EngineContext,
  kind: PolicyRow['kind'],
  id: string,
  body: { default: boolean } & object,
): PolicyRow {
  const now = ctx.now();
  if (body.default) {
    ctx.db.prepare('UPDATE policies SET is_default = 0 WHERE kind = ? AND id != ?').run(kind, id);
  }
  ctx.db
    .prepare(
      `INSERT INTO policies (id, kind, body, is_default, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET body = excluded.body, is_default = excluded.is_default, updated_at = excluded.updated_at`,
    )
    .run(id, kind, JSON.stringify(body), body.default ? 1 : 0, now, now);
  const row = readPolicyRow(ctx, kind, id);
  if (!row) throw notFound();
  return row;
}

function parsePolicy(ctx: EngineContext, body: Record<string, unknown>): MfaPolicy {
  const policy = parseWith(mfaPolicySchema, withoutReadOnly(body, POLICY_READ_ONLY));
  const fido2PolicyId = policy.fido2.fido2PolicyId;
  if (fido2PolicyId !== null && !readPolicyRow(ctx, 'fido2', fido2PolicyId)) {
    throw invalidValue('fido2.fido2PolicyId', 'The FIDO2 policy does not exist.');
  }
  return policy;
}

export function mfaPolicyRoutes(ctx: EngineContext): Hono {
  const app = new Hono();
  const collection = () => links({ self: apiUrl(ctx, '/deviceAuthenticationPolicies') });

  app.get('/', (c) => {
    const rows = listPolicies(ctx, 'mfa');
    return c.json({
      _links: collection(),
      _embedded: { deviceAuthenticationPolicies: rows.map((row) => policyResource(ctx, row)) },
      count: rows.length,
      size: rows.length,
    });
  });

  app.post('/', async (c) => {
    requireMediaType(c, [MEDIA.json]);
    const policy = parsePolicy(ctx, await readJsonObject(c));
    const row = transaction(ctx.db, () => savePolicy(ctx, 'mfa', newId(), policy));
    ctx.log({ event: 'policy.created', policyId: row.id });
    return c.json(policyResource(ctx, row), 201);
  });

  app.get('/:policyId', (c) => {
    const row = readPolicyRow(ctx, 'mfa', c.req.param('policyId'));
    if (!row) throw notFound();
    return c.json(policyResource(ctx, row));
  });

  app.put('/:policyId', async (c) => {
    requireMediaType(c, [MEDIA.json]);
    const existing = readPolicyRow(ctx, 'mfa', c.req.param('policyId'));
    if (!existing) throw notFound();
    const policy = parsePolicy(ctx, await readJsonObject(c));
    if (existing.is_default === 1 && !policy.default) {
      throw invalidState(
        'The environment needs a default policy: make another policy the default first.',
      );
    }
    const row = transaction(ctx.db, () => savePolicy(ctx, 'mfa', existing.id, policy));
    ctx.log({ event: 'policy.updated', policyId: row.id });
    return c.json(policyResource(ctx, row));
  });

  app.delete('/:policyId', (c) => {
    const existing = readPolicyRow(ctx, 'mfa', c.req.param('policyId'));
    if (!existing) throw notFound();
    if (existing.is_default === 1) throw invalidState('The default policy cannot be deleted.');
    transaction(ctx.db, () => {
      ctx.db.prepare('DELETE FROM policies WHERE id = ?').run(existing.id);
    });
    ctx.log({ event: 'policy.deleted', policyId: existing.id });
    return c.body(null, 204);
  });

  return app;
}

export function fido2PolicyRoutes(ctx: EngineContext): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const rows = listPolicies(ctx, 'fido2');
    return c.json({
      _links: links({ self: apiUrl(ctx, '/fido2Policies') }),
      _embedded: { fido2Policies: rows.map((row) => policyResource(ctx, row)) },
      count: rows.length,
      size: rows.length,
    });
  });
  app.get('/:policyId', (c) => {
    const row = readPolicyRow(ctx, 'fido2', c.req.param('policyId'));
    if (!row) throw notFound();
    return c.json(policyResource(ctx, row));
  });
  return app;
}

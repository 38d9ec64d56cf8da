/**
 * The product's composition root: one Hono app serving the relay under `/mfa/v1` and, when no
 * PingOne tenant is configured, the embedded engine under `/engine`, which the relay reaches
 * in-process. Hosts build on `createServer` and add their pages.
 * @module
 */
import { Hono } from 'hono';
import { mount } from 'hono/mount';
import type { Logger } from 'pino';
import { createEngine, type Engine } from '../engine/index.ts';
import type { PingOneClient } from '../pingone/index.ts';
import type { ServerConfig } from './config.ts';
import { openDataDir, type DataDir } from './data-dir.ts';
import { buildRelay, type RelayOverrides } from './relay.ts';

export interface MfaServer {
  app: Hono;
  /** The embedded engine; absent when PingOne is configured. */
  engine: Engine | undefined;
  dataDir: DataDir | undefined;
  pingone: PingOneClient;
  close(): Promise<void>;
}

export const ENGINE_MOUNT = '/engine';

function startEngine(config: ServerConfig, logger: Logger): { engine: Engine; dataDir: DataDir } {
  const dataDir = openDataDir(config.dataDir, {
    ...(config.engine.environmentId ? { environmentId: config.engine.environmentId } : {}),
    ...(config.engine.clientId ? { clientId: config.engine.clientId } : {}),
    ...(config.engine.clientSecret ? { clientSecret: config.engine.clientSecret } : {}),
  });
  const engineLog = logger.child({ component: 'engine' });
  const engine = createEngine({
    database: dataDir.databaseFile,
    keys: dataDir.keys,
    ...dataDir.identity,
    baseUrl: config.engine.publicUrl,
    relyingPartyId: config.engine.relyingPartyId,
    allowedOrigins: config.engine.allowedOrigins,
    log: (event) => {
      engineLog.info(event);
    },
  });
  return { engine, dataDir };
}

export async function createServer(
  config: ServerConfig,
  logger: Logger,
  overrides: RelayOverrides = {},
): Promise<MfaServer> {
  // A configured PingOne never falls back to the engine: the engine is not even started.
  const local = config.upstream.kind === 'engine' ? startEngine(config, logger) : undefined;
  const relay = await buildRelay(config, logger, local?.engine, overrides);

  const app = new Hono();
  if (local) {
    // mount() hands the engine the whole request below /engine, so its own 404/405/error bodies apply.
    app.all(`${ENGINE_MOUNT}/*`, mount(local.engine.fetch));
  }
  app.route('/', relay.app);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  return {
    app,
    engine: local?.engine,
    dataDir: local?.dataDir,
    pingone: relay.pingone,
    close: async () => {
      await relay.close();
      local?.engine.close();
    },
  };
}

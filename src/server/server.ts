/**
 * The product's composition root: one Hono app serving the embedded engine under `/engine`
 * (the relay joins it in the next step). Hosts build on `createServer` and add their pages.
 * @module
 */
import { Hono } from 'hono';
import { mount } from 'hono/mount';
import type { Logger } from 'pino';
import { createEngine, type Engine } from '../engine/index.ts';
import type { ServerConfig } from './config.ts';
import { openDataDir, type DataDir } from './data-dir.ts';

export interface MfaServer {
  app: Hono;
  engine: Engine;
  dataDir: DataDir;
  close(): void;
}

export const ENGINE_MOUNT = '/engine';

export function createServer(config: ServerConfig, logger: Logger): MfaServer {
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

  const app = new Hono();
  // mount() hands the engine the whole request below /engine, so its own 404/405/error bodies apply.
  app.all(`${ENGINE_MOUNT}/*`, mount(engine.fetch));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  return {
    app,
    engine,
    dataDir,
    close: () => {
      engine.close();
    },
  };
}

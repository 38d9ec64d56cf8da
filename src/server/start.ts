/**
 * Starts an HTTP server for an app built on `createServer`, prints how to reach the engine,
 * and shuts down cleanly on SIGINT / SIGTERM.
 * @module
 */
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { pino, type Logger } from 'pino';
import { ConfigError, loadConfig, type ServerConfig } from './config.ts';
import { createServer, ENGINE_MOUNT, type MfaServer } from './server.ts';

export function createLogger(config: Pick<ServerConfig, 'logLevel'>): Logger {
  // JSON lines; engine events never carry codes, seeds or tokens.
  return pino({ level: config.logLevel, base: null, timestamp: pino.stdTimeFunctions.isoTime });
}

export function banner(config: ServerConfig, server: MfaServer): string {
  const url = `http://${config.host === '127.0.0.1' ? 'localhost' : config.host}:${config.port}`;
  const relay = [
    `  Relay API          ${url}${config.relay.mountPath}   (OpenAPI: ${config.relay.mountPath}/openapi.json)`,
    `  Health             ${url}/mfa/healthz   ${url}/mfa/readyz`,
  ];
  if (config.upstream.kind === 'pingone') {
    return [
      '',
      `  mfa-elements is running at ${url}`,
      '',
      ...relay,
      '',
      `  Upstream: PingOne ${config.upstream.region ?? config.upstream.apiBaseUrl}, environment ${config.upstream.environmentId}`,
      '',
    ].join('\n');
  }
  const dataDir = server.dataDir;
  const lines = [
    '',
    `  mfa-elements is running at ${url}`,
    '',
    ...relay,
    '',
    '  Embedded PingOne-compatible MFA engine (no PingOne tenant configured):',
  ];
  if (dataDir) {
    const { environmentId, clientId, clientSecret } = dataDir.identity;
    lines.push(
      `    API              ${url}${ENGINE_MOUNT}/v1/environments/${environmentId}`,
      `    Auth             ${url}${ENGINE_MOUNT}/${environmentId}/as/token`,
      `    Outbox           ${url}${ENGINE_MOUNT}/outbox`,
      `    Environment id   ${environmentId}`,
      `    Client id        ${clientId}`,
      `    Client secret    ${clientSecret}`,
      `    Data             ${dataDir.path}/`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

/** Runs `build(server, config)` as the process's app on the configured host and port. */
export async function start(
  build: (server: MfaServer, config: ServerConfig) => Hono,
): Promise<void> {
  let config: ServerConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  const server = await createServer(config, logger);
  const app = build(server, config);
  const http = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => {
    process.stdout.write(`${banner(config, server)}\n`);
    logger.info({
      event: 'server.started',
      port: config.port,
      host: config.host,
      upstream: config.upstream.kind === 'pingone' ? 'pingone' : 'embedded-engine',
    });
  });
  http.on('error', (error: Error) => {
    logger.fatal({ event: 'server.failed', message: error.message });
    void server.close();
    process.exit(1);
  });

  const shutdown = (signal: string) => {
    logger.info({ event: 'server.stopping', signal });
    http.close(() => {
      void server.close().finally(() => process.exit(0));
    });
    // Connections that linger must not keep the process alive.
    setTimeout(() => {
      void server.close();
      process.exit(0);
    }, 5_000).unref();
  };
  process.once('SIGINT', () => {
    shutdown('SIGINT');
  });
  process.once('SIGTERM', () => {
    shutdown('SIGTERM');
  });
}

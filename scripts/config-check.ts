/**
 * `npm run config:check [-- --config file.json]`: validates the configuration from the
 * environment (and the settings file) without starting anything, and prints the effective values
 * with every secret redacted. Exits 2 on a bad configuration.
 * @module
 */
import { ConfigError, loadConfig, redactConfig, type ServerConfig } from '../src/server/config.ts';

function upstreamLine(config: ServerConfig): string {
  const { upstream } = config;
  if (upstream.kind === 'engine') return 'upstream: embedded engine (no PingOne configured)';
  const where =
    upstream.apiBaseUrl === `https://api.pingone.${upstream.region ?? ''}/v1` &&
    upstream.authBaseUrl === `https://auth.pingone.${upstream.region ?? ''}`
      ? `region ${upstream.region ?? ''}`
      : `${upstream.apiBaseUrl} ${upstream.authBaseUrl}`;
  return `upstream: PingOne ${where}, environment ${upstream.environmentId}`;
}

let config: ServerConfig;
try {
  config = loadConfig(process.env, process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n${upstreamLine(config)}\n`);

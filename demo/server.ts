/**
 * The demo host application, composed exactly as a customer's server would be: the product's
 * server (relay, and the embedded engine when no PingOne tenant is configured) plus the host's
 * own pages and browser code. `npm start` runs this file.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { start } from '../src/server/start.ts';
import { AssetBuildError, prepareAssets, type Assets } from './assets.ts';
import { addDemo } from './host.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

async function browserCode(): Promise<Assets> {
  try {
    const outcome = await prepareAssets({ root });
    if (outcome.built) {
      process.stdout.write(`  Built the demo's browser code in ${outcome.ms} ms\n`);
    }
    return outcome.assets;
  } catch (error) {
    if (!(error instanceof AssetBuildError)) throw error;
    process.stderr.write(
      `${error.message}\n\nnpm start stopped: fix the error above and start again.\n`,
    );
    process.exit(1);
  }
}

const assets = await browserCode();
await start((server, config) => addDemo(server, config, { assets }));

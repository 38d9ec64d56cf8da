/** The product's own entry: relay and engine, no demo pages. */
import { start } from './start.ts';

await start((server) => server.app);

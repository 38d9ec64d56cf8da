/**
 * The demo host application, composed exactly as a customer's server would be: the product's
 * server (engine, and the relay once it exists) plus the host's own pages, under a strict CSP.
 * `npm start` runs this file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { start } from '../src/server/start.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const indexHtml = readFileSync(`${root}/index.html`, 'utf8');
const siteCss = readFileSync(`${root}/demo/public/site.css`, 'utf8');

/** The CSP every demo page is served with; no inline script or style anywhere. */
export const DEMO_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ['lit-html'],
};

export function addDemoPages(app: Hono): Hono {
  app.use('/', secureHeaders({ contentSecurityPolicy: DEMO_CSP }));
  app.use('/site.css', secureHeaders({ contentSecurityPolicy: DEMO_CSP }));
  app.get('/', (c) => c.html(indexHtml));
  app.get('/site.css', (c) => c.body(siteCss, 200, { 'content-type': 'text/css; charset=utf-8' }));
  return app;
}

await start((server) => addDemoPages(server.app));

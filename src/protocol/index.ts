/**
 * The relay's wire contract, shared by the browser client and the relay.
 * @module
 */
export * from './errors.ts';
export * from './schemas.ts';
export * from './http.ts';

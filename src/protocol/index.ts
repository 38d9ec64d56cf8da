/**
 * The relay's wire contract, shared by the browser client and the relay.
 * @module
 */
export * from './errors.ts';
export * from './schemas.ts';

/** The header every state-changing request must carry (its value is `1`). */
export const CSRF_HEADER = 'X-MFA-CSRF';

/**
 * The embedded PingOne-compatible MFA engine.
 * @module
 */
export { createEngine, DEMO_OATH_TOKEN, FAILING_RECIPIENTS } from './engine.ts';
export type { Engine, EngineOptions } from './engine.ts';
export type { EngineEvent } from './context.ts';
export { generateKeys } from './crypto.ts';
export type { EngineKeys } from './crypto.ts';
export { REMEMBER_COOKIE, PAYLOAD_TYPE as REMEMBER_PAYLOAD_TYPE } from './remember.ts';

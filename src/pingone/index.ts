/**
 * The PingOne MFA API client.
 * @module
 */
export { createPingOneClient, MEDIA, REMEMBER_PAYLOAD_TYPE } from './client.ts';
export {
  apiErrorFrom,
  parseRetryAfter,
  PingOneApiError,
  PingOneError,
  PingOneUnavailableError,
} from './errors.ts';
export type { PingOneApiErrorInit, PingOneErrorDetail, PingOneErrorKind } from './errors.ts';
export { REGIONS, regionUrls } from './regions.ts';
export type { Region } from './regions.ts';
export { platformTransport, TRANSACTION_HEADER, transactionIdOf } from './transport.ts';
export type * from './types.ts';
export {
  assertionToPing,
  base64urlToBase64,
  pingCreationToJson,
  pingRequestToJson,
  registrationToPing,
  signedBytesToBase64url,
} from './fido2.ts';

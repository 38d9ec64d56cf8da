/** PingOne's WebAuthn encodings, for tests: the relay's own converters. */
export {
  assertionToPing,
  base64urlToBase64,
  pingCreationToJson,
  pingRequestToJson,
  registrationToPing,
  signedBytesToBase64url,
} from '../../src/pingone/fido2.ts';

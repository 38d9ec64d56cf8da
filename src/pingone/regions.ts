/**
 * PingOne regions and their service hosts (pingone-mfa.md §1.1–1.2).
 * @module
 */

export type Region = 'com' | 'ca' | 'eu' | 'com.au' | 'sg' | 'asia';

export const REGIONS: readonly Region[] = Object.freeze([
  'com',
  'ca',
  'eu',
  'com.au',
  'sg',
  'asia',
]);

/** The management API (with `/v1`) and auth server (without) of a region. */
export function regionUrls(region: Region): { apiBaseUrl: string; authBaseUrl: string } {
  // Guards against a region read from configuration without type checks.
  if (!REGIONS.includes(region)) throw new RangeError('unknown PingOne region');
  return {
    apiBaseUrl: `https://api.pingone.${region}/v1`,
    authBaseUrl: `https://auth.pingone.${region}`,
  };
}

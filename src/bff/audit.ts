/**
 * The relay's audit trail: one JSON line per security-relevant event, in UTC. Fields that could
 * carry a secret are dropped by name, whatever the caller passes.
 * @module
 */
import type { Logger } from 'pino';

const SECRET_FIELD =
  /otp|code|secret|token|ticket|cookie|assertion|attestation|credential|password/i;

export type AuditFields = Record<string, string | number | boolean | undefined>;
export type Audit = (event: string, fields?: AuditFields) => void;

export function createAudit(logger: Logger): Audit {
  return (event, fields = {}) => {
    const safe: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(fields)) {
      // `code` names an error code, never a one-time code, in our events.
      if (value === undefined || (key !== 'code' && SECRET_FIELD.test(key))) continue;
      safe[key] = value;
    }
    logger.info({ audit: true, event, ...safe });
  };
}

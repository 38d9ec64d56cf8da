/**
 * `npm run -s ticket -- <sub> [signin|enroll|manage]`: prints a ticket for the local relay, signed
 * with the ticket secret of the embedded setup (`MFA_TICKET_SECRET`, else `.mfa-data/`), as a
 * host application would mint one after checking a password.
 * @module
 */
import { purpose as purposeSchema } from '../src/protocol/index.ts';
import { ConfigError, loadConfig } from '../src/server/config.ts';
import { openRelayKeys } from '../src/server/data-dir.ts';
import { signTicket } from '../src/server/host-ticket.ts';

const [sub, purposeArg = 'signin'] = process.argv.slice(2);
const purpose = purposeSchema.safeParse(purposeArg);
if (sub === undefined || sub === '' || !purpose.success) {
  process.stderr.write('usage: npm run -s ticket -- <sub> [signin|enroll|manage]\n');
  process.exit(2);
}
try {
  const config = loadConfig(process.env, []);
  const secret = config.relay.ticket.secret ?? openRelayKeys(config.dataDir).ticketSecret;
  const ticket = await signTicket({
    secret,
    sub,
    purpose: purpose.data,
    audience: config.relay.ticket.audience,
    issuer: config.relay.publicOrigin,
  });
  process.stdout.write(`${ticket}\n`);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

// @ts-check
// A free TCP port on the loopback interface, for servers the tests start. Plain JavaScript so
// both the test runner's config (.mjs) and the TypeScript helpers import it.

import { createServer } from 'node:net';

/**
 * A port nothing listens on right now: the system picks it for a throwaway listener.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('no free port'));
      });
    });
  });
}

/**
 * Preloaded (`node --require`) into every function the local stack starts.
 * The Functions Framework listens with `server.listen(port)`: on every
 * interface, with no option to name one. Then anyone on the same network
 * could reach a function behind its front end, skip the front end's checks
 * and, with the function in TOKEN_CHECK=platform, be served on a hand-made
 * token whose signature "was removed by Google". Here a server that names
 * no host listens on loopback, as every other local server does, so the
 * front end is the only way in, as on Cloud Run.
 */
import {Server} from 'node:net';

const LOOPBACK = '127.0.0.1';
const listen = Server.prototype.listen;

/** listen(port) and listen(port, callback) get the loopback host; every other form is left alone. */
Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  const portOnly =
    typeof args[0] === 'number' ||
    (typeof args[0] === 'string' && /^\d+$/.test(args[0]));
  if (portOnly && (args.length === 1 || typeof args[1] === 'function'))
    args.splice(1, 0, LOOPBACK);
  return (listen as (...a: unknown[]) => Server).apply(this, args);
} as typeof listen;

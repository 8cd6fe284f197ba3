/**
 * Benchmark only: the floor's work inside the Functions Framework. The
 * floor's own routes (floor-roles.ts), served as an HTTP
 * function: the framework and Express, then the same Firestore client
 * opened the same way at start, the same reads and calls, and none of
 * this project's work (under load, only its framework fast path, below).
 * For the cold start (cold-starts.ts), started with the compile cache ours
 * start with: what it adds to the floor's first answer
 * is what a function on the framework pays at best, before any code of its
 * own. Under load (the framework-floor variant, plain-servers.ts), three of
 * them in the gateway → user → order shape, the framework run as ours
 * runs it (FLOOR_DOMAIN=off): what a request costs on the card's framework
 * with none of this project's work (no tokens, no validation, no log
 * line, no span).
 *
 * With FLOOR_LIBRARIES=on it also loads, at start, the libraries every
 * function of this project must load before its first answer and the
 * floor does not (REQUIRED_LIBRARIES), and uses none of them: the best
 * start a function built as the design requires can have.
 *
 * `functions-framework --target=floor --source=build/bench/framework-floor.js`
 * Env: FLOOR_ROLE (gateway, user or order), FLOOR_PROJECT, FLOOR_DATABASE,
 *      FLOOR_USER_URL and FLOOR_ORDER_URL (the gateway's and the user
 *      role's callees),
 *      FLOOR_FIRESTORE (grpc, the default, or rest), FIRESTORE_EMULATOR_HOST,
 *      MAX_OPEN_ORDERS, FLOOR_LIBRARIES (on, or off by default),
 *      FLOOR_DOMAIN (off: without the framework's per-request domain,
 *      through the same tuning line as ours; on, as it ships, by default),
 *      FLOOR_LINE (on: a JSON line per request on stdout, written the
 *      plain way, console.log; off by default)
 */
import {randomBytes, randomUUID} from 'node:crypto';
import type {HttpFunction} from '@google-cloud/functions-framework';
import {floorRoute, pathParts, roleOf} from './floor-roles';
import {REQUIRED_LIBRARIES} from './required-libraries';
import type * as FastPath from '../functions/common/tuning/framework-fast-path';

if (process.env.FLOOR_LIBRARIES === 'on')
  for (const library of REQUIRED_LIBRARIES) require(library);

// The framework without its per-request domain (and its execution-id
// middleware), as ours runs it, through the same tuning line: under load
// the domain is most of what the framework costs, so with it the floor
// would credit ours with what the fast path buys (judged on its own,
// against framework-domain) and hide ours' own work. A fault in the fast
// path then slows both alike: this ratio does not judge it.
// Required only then: the first answer's floor loads nothing of ours.
if (process.env.FLOOR_DOMAIN === 'off')
  (
    require('../functions/common/tuning/framework-fast-path') as typeof FastPath
  ).installFrameworkFastPath();

const route = floorRoute(roleOf(process.env.FLOOR_ROLE), {
  projectId: process.env.FLOOR_PROJECT ?? '',
  database: process.env.FLOOR_DATABASE ?? '',
  transport: process.env.FLOOR_FIRESTORE === 'rest' ? 'rest' : 'grpc',
  maxOpenOrders: Number(process.env.MAX_OPEN_ORDERS),
  userUrl: process.env.FLOOR_USER_URL,
  orderUrl: process.env.FLOOR_ORDER_URL,
});

// The one line per request a deployed function writes (ours' fields that
// Cloud Logging reads, of about its size), the way Google's samples write
// one: what that line costs with nothing of ours (the outside check).
const line = process.env.FLOOR_LINE === 'on';
const project = process.env.FLOOR_PROJECT ?? '';

function writeLine(method: string, path: string, status: number, ms: number) {
  console.log(
    JSON.stringify({
      severity: 'INFO',
      message: `${method} ${path} ${status}`,
      httpRequest: {
        requestMethod: method,
        requestUrl: path,
        status,
        latency: `${(ms / 1000).toFixed(6)}s`,
      },
      requestId: randomUUID(),
      'logging.googleapis.com/trace': `projects/${project}/traces/${randomBytes(16).toString('hex')}`,
      'logging.googleapis.com/spanId': randomBytes(8).toString('hex'),
      'logging.googleapis.com/trace_sampled': false,
    }),
  );
}

export const floor: HttpFunction = (req, res) => {
  const started = performance.now();
  const url = new URL(req.originalUrl, 'http://floor');
  const key = req.get('idempotency-key');
  route(
    req.method,
    pathParts(url.pathname),
    url.searchParams,
    req.body,
    key,
  ).then(
    answer => {
      res.status(answer.status).json(answer.body);
      if (line)
        writeLine(
          req.method,
          url.pathname,
          answer.status,
          performance.now() - started,
        );
    },
    () => res.status(500).end(),
  );
};

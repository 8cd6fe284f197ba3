/**
 * Benchmark only: the floor's work inside the Functions Framework, for the
 * cold start. The floor's own routes (floor-roles.ts), served as an HTTP
 * function: the framework and Express, then the same Firestore client
 * opened the same way at start and the same read, and nothing of this
 * project. Started with the compile cache ours start with
 * (cold-starts.ts): what it adds to the floor's first answer is what a
 * function on the framework pays at best, before any code of its own.
 *
 * With FLOOR_LIBRARIES=on it also loads, at start, the libraries every
 * function of this project must load before its first answer and the
 * floor does not (REQUIRED_LIBRARIES), and uses none of them: the best
 * start a function built as the design requires can have.
 *
 * `functions-framework --target=floor --source=build/bench/framework-floor.js`
 * Env: FLOOR_ROLE (user or order), FLOOR_PROJECT, FLOOR_DATABASE,
 *      FLOOR_FIRESTORE (grpc, the default, or rest), FIRESTORE_EMULATOR_HOST,
 *      MAX_OPEN_ORDERS, FLOOR_LIBRARIES (on, or off by default)
 */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {floorRoute, pathParts, roleOf} from './floor-roles';
import {REQUIRED_LIBRARIES} from './required-libraries';

if (process.env.FLOOR_LIBRARIES === 'on')
  for (const library of REQUIRED_LIBRARIES) require(library);

const route = floorRoute(roleOf(process.env.FLOOR_ROLE), {
  projectId: process.env.FLOOR_PROJECT ?? '',
  database: process.env.FLOOR_DATABASE ?? '',
  transport: process.env.FLOOR_FIRESTORE === 'rest' ? 'rest' : 'grpc',
  maxOpenOrders: Number(process.env.MAX_OPEN_ORDERS),
});

export const floor: HttpFunction = (req, res) => {
  const url = new URL(req.originalUrl, 'http://floor');
  const key = req.get('idempotency-key');
  route(
    req.method,
    pathParts(url.pathname),
    url.searchParams,
    req.body,
    key,
  ).then(
    answer => res.status(answer.status).json(answer.body),
    () => res.status(500).end(),
  );
};

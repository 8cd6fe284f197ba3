/**
 * Benchmark only: the floor of the same work. Three plain Node `http`
 * processes in the shape of gateway, user and order, serving the benchmark's
 * routes with the same calls between them (over keep-alive) and the same
 * Firestore reads and writes, against the same emulator, done the plainest
 * way (floor-roles.ts): the Firestore client as it ships (its default transport, gRPC,
 * unless FLOOR_FIRESTORE=rest, which the benchmark sets when its own
 * measurement in the run finds REST cheaper), and none of this project's
 * modules: no Functions Framework, no Express, no tokens, no validation, no
 * logging. What ours costs above this is what our framework, our code and
 * our choices (the transport among them) cost.
 *
 * Usage: node floor-server.js <role: gateway|user|order> <port> <projectId> <database> [userUrl] [orderUrl]
 * (database: the role's own Firestore database, as the topology gives it; '' for the gateway)
 * Env:   FIRESTORE_EMULATOR_HOST, FLOOR_FIRESTORE (grpc, the default, or rest),
 *        MAX_OPEN_ORDERS
 */
import * as http from 'node:http';
import {floorRoute, pathParts, roleOf} from './floor-roles';

const [role, portArg, projectId, database, userUrl, orderUrl] =
  process.argv.slice(2);
const route = floorRoute(roleOf(role), {
  projectId,
  database,
  transport: process.env.FLOOR_FIRESTORE === 'rest' ? 'rest' : 'grpc',
  maxOpenOrders: Number(process.env.MAX_OPEN_ORDERS),
  userUrl,
  orderUrl,
});

http
  .createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://floor');
      const parts = pathParts(url.pathname);
      const key = req.headers['idempotency-key'];
      route(
        req.method ?? 'GET',
        parts,
        url.searchParams,
        raw ? JSON.parse(raw) : undefined,
        typeof key === 'string' ? key : undefined,
      ).then(
        answer => {
          res.writeHead(answer.status, {'Content-Type': 'application/json'});
          res.end(JSON.stringify(answer.body));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
  })
  .listen(Number(portArg), '127.0.0.1');

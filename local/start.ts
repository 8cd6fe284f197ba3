/**
 * `npm start`: the whole stack on this machine until Ctrl-C.
 * Env: GATEWAY_PORT (8080), USER_PORT (8081), ORDER_PORT (8082),
 * FIRESTORE_EMULATOR_HOST (use a running emulator instead of starting one),
 * GOOGLE_CLOUD_PROJECT (local-s2s), LOG_LEVEL (info).
 */
import * as path from 'node:path';
import {ROOT, startStack} from './stack';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a port number, got "${value}"`);
  }
  return n;
}

async function main(): Promise<void> {
  const started = Date.now();
  const stackFile = path.join(ROOT, '.local', 'stack.json');
  const stack = await startStack({
    projectId: process.env.GOOGLE_CLOUD_PROJECT || 'local-s2s',
    ports: {
      gateway: port('GATEWAY_PORT', 8080),
      user: port('USER_PORT', 8081),
      order: port('ORDER_PORT', 8082),
    },
    firestoreHost: process.env.FIRESTORE_EMULATOR_HOST || undefined,
    logLevel: process.env.LOG_LEVEL,
    logs: 'inherit',
    stackFile,
  });
  const gw = `http://localhost:${new URL(stack.info.gateway).port}`;
  process.stdout.write(`
Stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (details in ${path.relative(ROOT, stackFile)}).

  gateway  ${stack.info.gateway}   (public)
  user     ${stack.info.user}   (needs a gateway token)
  order    ${stack.info.order}   (needs a gateway or user token)
  firestore emulator ${stack.info.firestore}

Try:
  curl ${gw}/api/user-orders/user-001          # mesh: gateway -> user -> order
  curl ${gw}/api/user-orders-direct/user-001   # direct: gateway -> user + order
  curl ${gw}/api/aggregate
  curl -X POST ${gw}/api/orders -H 'Content-Type: application/json' \\
       -d '{"userId":"user-002","items":[{"product":"Cable","quantity":3,"price":4.99}]}'
  curl -i ${stack.info.user}/users               # refused: no token

Ctrl-C stops everything.
`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the stack...\n`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(
    `npm start failed: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
});

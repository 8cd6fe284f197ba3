/**
 * The targets that are not our functions: three servers in the
 * gateway → user → order shape: plain http servers as the limit
 * (bench/limit-server.ts) or the floor (bench/floor-server.ts), or the
 * floor's work in the Functions Framework (bench/framework-floor.ts).
 * What each variant is: targets.ts.
 */
import type {ChildProcess} from 'node:child_process';
import * as path from 'node:path';
import {spawnFunction} from '../local/functions';
import {baselineHeapFlags, memoryBytes} from '../local/memory';
import {freePort, spawnGroup, stopGroup, waitFor} from '../local/processes';
import {functionsNode} from '../local/runtime';
import {ROOT} from '../local/stack';
import {FUNCTION_NODE_OPTIONS} from '../scripts/topology';
import {firestoreReads} from './probes';
import {MAX_OPEN_ORDERS} from './scenarios';
import {projectFor, seeded, TOPOLOGY} from './seeded-projects';
import type {Target, VariantId} from './targets';

/** Starts the server of `role` at `port`; `urls`: every role's. */
type SpawnRole = (
  role: string,
  port: number,
  urls: Record<string, string>,
) => ChildProcess;

/** A plain Node process of bench/`script` for each role, with `args`. */
const plainProcess =
  (
    script: string,
    args: (
      role: string,
      port: number,
      urls: Record<string, string>,
    ) => string[],
    env: Record<string, string> = {},
  ): SpawnRole =>
  (role, port, urls) =>
    spawnGroup(
      functionsNode(),
      [
        // Within the same memory limit as the function in its place.
        ...baselineHeapFlags(memoryBytes(TOPOLOGY.get(role).resources.memory)),
        path.join(ROOT, 'build', 'bench', script),
        ...args(role, port, urls),
      ],
      {stdio: 'ignore', env: {PATH: process.env.PATH ?? '', ...env}},
    );

/** Three servers in the gateway → user → order shape. */
async function startTrio(
  variant: VariantId,
  spawn: SpawnRole,
): Promise<Target> {
  const ports: Record<string, number> = {};
  for (const role of ['gateway', 'user', 'order'])
    ports[role] = await freePort();
  const urls = Object.fromEntries(
    Object.entries(ports).map(([role, port]) => [
      role,
      `http://127.0.0.1:${port}`,
    ]),
  );
  const children: ChildProcess[] = ['order', 'user', 'gateway'].map(role =>
    spawn(role, ports[role], urls),
  );
  const stop = async () =>
    void (await Promise.all(children.map(c => stopGroup(c))));
  try {
    await waitFor(
      `the ${variant} servers`,
      async () => (await fetch(`${urls.gateway}/api/users/user-001`)).ok,
      20_000,
      // The gateway last: whichever ends first fails the start.
      children[2],
    );
  } catch (e: unknown) {
    await stop();
    throw e;
  }
  return {
    variant,
    url: urls.gateway,
    headers: {},
    pids: children.map(c => c.pid!),
    reset: async () => undefined,
    stop,
  };
}

export function startLimit(): Promise<Target> {
  return startTrio(
    'limit',
    plainProcess('limit-server.js', (role, port, urls) => [
      role,
      String(port),
      role === 'gateway' ? urls.user : '',
      urls.order,
    ]),
  );
}

export async function startFloor(
  firestoreHost: string,
  probeReads: number,
): Promise<Target> {
  const projectId = projectFor('floor');
  const data = await seeded(projectId, firestoreHost);
  // The floor is the client as it ships (gRPC), unless REST reads cheaper
  // here and now: the floor is the best plain way, measured, not assumed.
  const reads = await firestoreReads(
    firestoreHost,
    projectId,
    TOPOLOGY.get('user').firestore!.database,
    'users/user-001',
    {reads: probeReads, runs: 2},
  );
  const floorTransport =
    reads.rest.cpuMsPerRead < reads.grpc.cpuMsPerRead ? 'rest' : 'grpc';
  const trio = await startTrio(
    'floor',
    plainProcess(
      'floor-server.js',
      (role, port, urls) => [
        role,
        String(port),
        projectId,
        TOPOLOGY.get(role).firestore?.database ?? '',
        urls.user,
        urls.order,
      ],
      {
        FIRESTORE_EMULATOR_HOST: firestoreHost,
        FLOOR_FIRESTORE: floorTransport,
        MAX_OPEN_ORDERS,
      },
    ),
  );
  return {
    ...trio,
    firestore: {reads, floorTransport},
    reset: data.reset,
    stop: async () => {
      await trio.stop();
      await data.close();
    },
  };
}

/**
 * One function of bench/framework-floor.ts, serving `role` at `port` in
 * the Functions Framework: within the function's memory and with its
 * NODE_OPTIONS, reading `projectId`'s data in the role's own database over
 * `transport`; `env`: what its use adds (the callees, the switches, a
 * compile cache). Its output is the caller's to read.
 */
export function spawnFrameworkFloor(
  topology: typeof TOPOLOGY,
  role: string,
  port: number,
  settings: {
    projectId: string;
    firestoreHost: string;
    transport: 'grpc' | 'rest';
    env: Record<string, string>;
  },
): ChildProcess {
  return spawnFunction(
    'floor',
    port,
    {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
      FIRESTORE_EMULATOR_HOST: settings.firestoreHost,
      MAX_OPEN_ORDERS,
      FLOOR_ROLE: role,
      FLOOR_PROJECT: settings.projectId,
      FLOOR_DATABASE: topology.get(role).firestore?.database ?? '',
      FLOOR_FIRESTORE: settings.transport,
      ...settings.env,
    },
    {
      source: path.join(ROOT, 'build', 'bench', 'framework-floor.js'),
      memory: topology.get(role).resources.memory,
    },
  );
}

/**
 * The floor's work in the Functions Framework (bench/framework-floor.ts),
 * one function per role, run as ours run it: without the framework's
 * per-request domain and execution-id middleware (FLOOR_DOMAIN=off: the
 * same fast path as ours), in production mode, on the Firestore client's
 * `transport` (the floor's, so that the two differ by the framework
 * alone), each within its function's memory and with its NODE_OPTIONS:
 * what a request costs on the card's framework before any work of this
 * project.
 */
export async function startFrameworkFloor(
  firestoreHost: string,
  transport: 'grpc' | 'rest',
  /** Each function writes a line per request (framework-floor.ts FLOOR_LINE). */
  lines = false,
): Promise<Target> {
  const projectId = projectFor(
    lines ? 'framework-floor-lines' : 'framework-floor',
  );
  const data = await seeded(projectId, firestoreHost);
  const trio = await startTrio('framework-floor', (role, port, urls) => {
    const child = spawnFrameworkFloor(TOPOLOGY, role, port, {
      projectId,
      firestoreHost,
      transport,
      env: {
        FLOOR_USER_URL: urls.user,
        FLOOR_ORDER_URL: urls.order,
        FLOOR_DOMAIN: 'off',
        // As ours run (local/functions.ts, scripts/topology.js): the
        // framework's production mode, and no route it answers itself.
        NODE_ENV: 'production',
        IGNORED_ROUTES: '',
        ...(lines && {FLOOR_LINE: 'on'}),
      },
    });
    // Read and dropped, as the floor's output is: a full pipe would stall it.
    child.stdout?.resume();
    child.stderr?.resume();
    return child;
  }).catch(async (e: unknown) => {
    await data.close();
    throw e;
  });
  return {
    ...trio,
    reset: data.reset,
    stop: async () => {
      await trio.stop();
      await data.close();
    },
  };
}

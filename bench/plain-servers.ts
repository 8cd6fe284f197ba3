/**
 * The targets that are not our functions: three plain http servers in the
 * gateway → user → order shape, as the limit (bench/limit-server.ts) or
 * the floor (bench/floor-server.ts). What each variant is: targets.ts.
 */
import type {ChildProcess} from 'node:child_process';
import * as path from 'node:path';
import {baselineHeapFlags, memoryBytes} from '../local/memory';
import {freePort, spawnGroup, stopGroup, waitFor} from '../local/processes';
import {functionsNode} from '../local/runtime';
import {ROOT} from '../local/stack';
import {firestoreReads} from './probes';
import {MAX_OPEN_ORDERS} from './scenarios';
import {projectFor, seeded, TOPOLOGY} from './seeded-projects';
import type {Target, VariantId} from './targets';

/** Three plain http servers in the gateway → user → order shape. */
async function startTrio(
  variant: VariantId,
  script: string,
  args: (role: string, port: number, urls: Record<string, string>) => string[],
  env: Record<string, string> = {},
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
    spawnGroup(
      functionsNode(),
      [
        // Within the same memory limit as the function in its place.
        ...baselineHeapFlags(memoryBytes(TOPOLOGY.get(role).resources.memory)),
        path.join(ROOT, 'build', 'bench', script),
        ...args(role, ports[role], urls),
      ],
      {stdio: 'ignore', env: {PATH: process.env.PATH ?? '', ...env}},
    ),
  );
  await waitFor(
    `the ${variant} servers`,
    async () => (await fetch(`${urls.gateway}/api/users/user-001`)).ok,
    20_000,
  );
  return {
    variant,
    url: urls.gateway,
    headers: {},
    pids: children.map(c => c.pid!),
    reset: async () => undefined,
    stop: async () => void (await Promise.all(children.map(c => stopGroup(c)))),
  };
}

export function startLimit(): Promise<Target> {
  return startTrio('limit', 'limit-server.js', (role, port, urls) => [
    role,
    String(port),
    role === 'gateway' ? urls.user : '',
    urls.order,
  ]);
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

/**
 * What the benchmark loads, each a gateway URL and the processes whose CPU
 * time counts:
 * - limit:            three plain http servers that only forward and answer
 *                     fixed JSON: as fast as three hops can be here;
 * - floor:            three plain http servers doing the same work as ours
 *                     (same calls, same Firestore reads and writes, same
 *                     client): the floor of that work (bench/floor-server.ts);
 * - ours:             the real functions;
 * - framework-domain: ours with the Functions Framework's per-request domain
 *                     (FRAMEWORK_DOMAIN=on), as before it was replaced;
 * - auth-off:         ours with no service tokens sent or checked
 *                     (CALL_TOKENS=off, ALLOWED_CALLERS=anyone; end users'
 *                     tokens still are);
 * - end-users-off:    ours with END_USER_AUTH=off (no end user's token
 *                     checked: the original demo's open API);
 * - silent:           ours with LOG_LEVEL=silent: no log lines, no spans
 *                     recorded; its functions can switch logging and
 *                     tracing back on while they run, which is how their
 *                     cost is measured (bench/switchable-functions.ts);
 * - naive:            ours with the original demo's client: a new token
 *                     per call, no keep-alive (bench/naive-functions.ts).
 * Every request to our functions carries the ID token of Alice, a seed
 * user and an admin (every route is hers to call), but end-users-off's.
 * The stacks run in verify mode: in cloud mode the local stand-ins for
 * Google's front end and connector would be on the path, and their cost is
 * Google's on Google Cloud, not the functions'.
 */
import type {ChildProcess} from 'node:child_process';
import * as path from 'node:path';
import {heapFlags, memoryBytes} from '../local/memory';
import {freePort, spawnGroup, stopGroup, waitFor} from '../local/processes';
import {functionsNode} from '../local/runtime';
import {
  IDEMPOTENCY_KEYS,
  OPEN_ORDER_COUNTS,
  ORDERS,
} from '../functions/order/store';
import {FirestoreUserStore} from '../functions/user/store';
import {SEED_ORDERS, seededEmulatorProject} from '../local/seed';
import {ROOT, startStack, type Stack} from '../local/stack';
import {loadTopology} from '../scripts/topology';
import {
  firestoreReads,
  type FirestoreClient,
  type FirestoreReads,
} from './probes';
import {BUYERS, MAX_OPEN_ORDERS} from './scenarios';
import {otlpSink} from './otlp-sink';
import {telemetrySwitch, type TelemetrySwitch} from './telemetry-switch';

export type VariantId =
  | 'limit'
  | 'floor'
  | 'ours'
  | 'framework-domain'
  | 'auth-off'
  | 'end-users-off'
  | 'silent'
  | 'naive';

export const VARIANTS: VariantId[] = [
  'limit',
  'floor',
  'ours',
  'framework-domain',
  'auth-off',
  'end-users-off',
  'silent',
  'naive',
];

export interface Target {
  variant: VariantId;
  url: string;
  /** Sent with every request: the end user's token, where one is checked. */
  headers: Record<string, string>;
  /** The processes serving it, whose CPU time is counted. */
  pids: number[];
  /**
   * Deletes what the load wrote, back to its seed data: the emulator scans a whole
   * collection for a query, so orders piling up from the create route would
   * slow every read route after it.
   */
  reset: () => Promise<void>;
  stop: () => Promise<void>;
  /** The real stacks only. */
  stack?: Stack;
  /** Turns logging and tracing on and off in its functions (silent only). */
  telemetry?: TelemetrySwitch;
  /**
   * The floor only: one Firestore read's cost per client setting, measured
   * before it started, and the transport it chose by that measurement.
   */
  firestore?: {
    reads: Record<FirestoreClient, FirestoreReads>;
    floorTransport: 'grpc' | 'rest';
  };
}

/** The project's topology: where each function keeps its data. */
const TOPOLOGY = loadTopology();

/** A fresh project per target and run: the emulator slows as data piles up. */
const projectFor = (variant: string) =>
  `bench-${variant}-${Date.now().toString(36)}`;

/** Seeds `projectId`; resolves to what puts it back to its seed data. */
async function seeded(
  projectId: string,
  firestoreHost: string,
): Promise<{reset: () => Promise<void>; close: () => Promise<void>}> {
  const project = await seededEmulatorProject(
    projectId,
    firestoreHost,
    TOPOLOGY,
  );
  await new FirestoreUserStore(project.holding('users')).seed(
    Object.fromEntries(
      BUYERS.map(id => [
        id,
        {
          name: `Buyer ${id}`,
          email: `${id}@example.com`,
          role: 'viewer' as const,
          createdAt: new Date().toISOString(),
        },
      ]),
    ),
  );
  // The buyers hold no open order: their counts say so from the start, as
  // they would after their first order (order/store.ts).
  const noOpenOrders = async () => {
    const db = project.holding(OPEN_ORDER_COUNTS);
    const writer = db.bulkWriter();
    for (const id of BUYERS)
      void writer.set(db.collection(OPEN_ORDER_COUNTS).doc(id), {open: 0});
    await writer.close();
  };
  await noOpenOrders();
  return {
    reset: async () => {
      for (const collection of [ORDERS, IDEMPOTENCY_KEYS]) {
        const db = project.holding(collection);
        const writer = db.bulkWriter();
        // Every idempotency key, and the orders the seed data does not have.
        for (const ref of await db.collection(collection).listDocuments())
          if (collection === IDEMPOTENCY_KEYS || !(ref.id in SEED_ORDERS))
            void writer.delete(ref);
        await writer.close();
      }
      await noOpenOrders();
    },
    close: () => project.terminate(),
  };
}

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
        ...heapFlags(memoryBytes(TOPOLOGY.get(role).resources.memory)),
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

function startLimit(): Promise<Target> {
  return startTrio('limit', 'limit-server.js', (role, port, urls) => [
    role,
    String(port),
    role === 'gateway' ? urls.user : '',
    urls.order,
  ]);
}

async function startFloor(
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

/** The variants whose functions are not package.json's main (build/bench/). */
const SOURCES: Partial<Record<VariantId, string>> = {
  naive: 'naive-functions.js',
  silent: 'switchable-functions.js',
};

/** Starts one variant of our functions (`nodeArgs`: e.g. to profile them). */
export async function startVariant(
  variant: VariantId,
  firestoreHost: string,
  nodeArgs?: string[],
): Promise<Target> {
  const projectId = projectFor(variant);
  const telemetry = variant === 'silent' ? telemetrySwitch() : undefined;
  // Where the telemetry target's functions export their spans, as they do
  // on Google Cloud: its cost is part of what is measured.
  const sink = telemetry === undefined ? undefined : await otlpSink();
  const source = SOURCES[variant];
  const stack = await startStack({
    mode: 'verify',
    projectId,
    firestoreHost,
    seed: false,
    serviceTokens: variant === 'auth-off' ? 'off' : undefined,
    endUserAuth: variant === 'end-users-off' ? 'off' : 'on',
    env: {
      MAX_OPEN_ORDERS,
      ...(variant === 'framework-domain' && {FRAMEWORK_DOMAIN: 'on'}),
      ...(telemetry !== undefined && {TELEMETRY_SWITCH: telemetry.file}),
      ...(sink !== undefined && {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sink.url,
      }),
    },
    source:
      source === undefined
        ? undefined
        : path.join(ROOT, 'build', 'bench', source),
    // Production's level: a log line per request is part of the cost.
    logLevel: variant === 'silent' ? 'silent' : 'info',
    nodeArgs,
  });
  const data = await seeded(projectId, firestoreHost);
  return {
    variant,
    url: stack.info.urls.gateway,
    headers:
      variant === 'end-users-off'
        ? {}
        : {
            // An hour's token: longer than any run of the benchmark.
            authorization: `Bearer ${stack.identity.toolkit.idTokenFor('alice@example.com')}`,
          },
    pids: Object.values(stack.pids),
    reset: data.reset,
    stop: async () => {
      await stack.stop();
      await data.close();
      await sink?.close();
      telemetry?.remove();
    },
    stack,
    telemetry,
  };
}

/**
 * Starts `variants` against the emulator at `firestoreHost`; `firestoreReads`:
 * how many reads the floor's Firestore probe makes per client setting.
 */
export async function startTargets(
  firestoreHost: string,
  variants: VariantId[] = VARIANTS,
  firestoreReads = 1000,
): Promise<Target[]> {
  const targets: Target[] = [];
  try {
    for (const variant of variants) {
      if (variant === 'limit') targets.push(await startLimit());
      else if (variant === 'floor')
        targets.push(await startFloor(firestoreHost, firestoreReads));
      else targets.push(await startVariant(variant, firestoreHost));
    }
    return targets;
  } catch (e: unknown) {
    for (const t of targets.reverse()) await t.stop();
    throw e;
  }
}

/**
 * Cold starts as a caller feels them: ms from process start to the first
 * answer, for our functions (started as on Google Cloud), a Functions
 * Framework hello-world, the floor's plain servers, and the floor's work
 * inside the Functions Framework.
 */
import type {ChildProcess} from 'node:child_process';
import * as path from 'node:path';
import {SIGNATURE_REMOVED} from '../local/front-end';
import {baselineHeapFlags, memoryBytes} from '../local/memory';
import {COMPILE_CACHE, FUNCTION_NODE_OPTIONS} from '../scripts/topology';
import {freePort, spawnGroup, stopGroup, waitFor} from '../local/processes';
import {functionsNode} from '../local/runtime';
import {functionEnv, ROOT, spawnFunction, type Stack} from '../local/stack';
import {claimsFor} from '../local/token-signer';
import {otlpSink} from './otlp-sink';
import {spawnFrameworkFloor} from './plain-servers';
import {entryWithout} from '../local/untuned-entry';
import {median, round} from './stats';

/**
 * The route of each data-keeping function a caller's first request takes:
 * it checks the tokens and reads Firestore (a seed user's).
 */
export const FIRST_ROUTES: Record<string, string> = {
  user: '/users/user-001',
  order: '/orders/user/user-001',
};

/**
 * Ms from `started` to the first answer of `url` with `headers`, asked
 * every 5 ms from then on, as a caller waiting for an instance asks as soon
 * as it listens (at waitFor's default interval a start would count until
 * the next poll, not until it could answer). The process `child` is
 * stopped then, whatever came of it; what it writes is read and dropped.
 * @throws when that answer is not a 200.
 */
async function firstAnswerMs(
  what: string,
  child: ChildProcess,
  started: number,
  url: string,
  headers: Record<string, string> = {},
): Promise<number> {
  child.stdout?.resume();
  child.stderr?.resume();
  let status = 0;
  let ms = NaN;
  try {
    await waitFor(
      what,
      async () => {
        status = (await fetch(url, {headers})).status;
        ms = performance.now() - started;
        return true;
      },
      30_000,
      child,
      5,
    );
  } finally {
    await stopGroup(child);
  }
  if (status !== 200) throw new Error(`${what}: answered ${status}`);
  return round(ms, 0);
}

/**
 * A cold start as a caller feels it, in ms from process start to the first
 * answer: for the gateway and the hello-world, of `GET /`; for user and
 * order, of their own first route (FIRST_ROUTES), which checks the tokens
 * and reads Firestore. One function of `stack`'s shape, on a new port,
 * its spans bound for `tracesEndpoint` as deployed functions' are for the
 * Telemetry API (at the delay they have there): whatever an endpoint costs
 * a start is counted, though the process is stopped at its first answer,
 * before any export.
 */
export async function coldStart(
  name: string,
  stack: Stack,
  tracesEndpoint?: string,
  source?: string,
): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  const headers: Record<string, string> = {};
  const started = performance.now();
  if (name === 'hello') {
    child = spawnFunction(
      'hello',
      port,
      // The heap ours starts with (baselineHeapFlags).
      {PATH: process.env.PATH ?? '', NODE_OPTIONS: FUNCTION_NODE_OPTIONS},
      {
        source: path.join(ROOT, 'build', 'bench', 'hello.js'),
        memory: stack.layout.topology.get('gateway').resources.memory,
      },
    );
  } else {
    const {info} = stack;
    // The same layout as the stack's own instance, on a new URL, but with
    // the internal functions as they run on Google Cloud: behind Cloud
    // Run's IAM check (TOKEN_CHECK=platform), handed the caller's token
    // with its signature stripped, so they check its claims without
    // fetching the issuer's keys, as in production; the end user's token
    // they verify, fetching Identity Platform's certificates.
    const where = {
      ...stack.layout,
      mode: 'cloud' as const,
      connector: undefined,
      urls: {...stack.layout.urls, [name]: url},
    };
    if (name !== 'gateway') {
      const token = stack.identity.signer.sign(
        claimsFor(info.issuer.url, info.accounts.gateway, url),
      );
      headers['x-serverless-authorization'] =
        `Bearer ${token.replace(/[^.]*$/, SIGNATURE_REMOVED)}`;
      headers.authorization = `Bearer ${stack.identity.toolkit.idTokenFor('alice@example.com')}`;
    }
    child = spawnFunction(
      name,
      port,
      functionEnv(name, where, {
        logLevel: 'warning',
        env: {
          ...(tracesEndpoint !== undefined && {
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: tracesEndpoint,
          }),
          // An entry point without a tuning line (local/untuned-entry.ts).
          ...(source !== undefined && {FUNCTION_SOURCE: source}),
        },
      }),
      {memory: stack.layout.topology.get(name).resources.memory},
    );
  }
  return firstAnswerMs(
    `${name} cold start`,
    child,
    started,
    `${url}${FIRST_ROUTES[name] ?? '/'}`,
    headers,
  );
}

/**
 * The floor's work for `role` (user or order) inside the Functions
 * Framework (bench/framework-floor.ts), on the Firestore client's
 * `transport`: ms to the first answer of the same route, reading the same
 * document of `stack`'s project. Started as ours are, with the compile
 * cache gcp-build fills (it holds the framework and the Firestore client):
 * the best start a function on the framework gets, not the default one.
 */
export async function frameworkFloorColdStart(
  role: string,
  transport: 'grpc' | 'rest',
  stack: Stack,
  libraries = false,
): Promise<number> {
  const {topology, projectId, firestoreHost} = stack.layout;
  const port = await freePort();
  const started = performance.now();
  const child = spawnFrameworkFloor(topology, role, port, {
    projectId,
    firestoreHost,
    transport,
    env: {
      NODE_COMPILE_CACHE: COMPILE_CACHE,
      NODE_COMPILE_CACHE_PORTABLE: '1',
      FLOOR_LIBRARIES: libraries ? 'on' : 'off',
    },
  });
  return firstAnswerMs(
    `the floor's ${role} cold start in the Functions Framework (${transport}${libraries ? ', with the required libraries' : ''})`,
    child,
    started,
    `http://127.0.0.1:${port}${FIRST_ROUTES[role]}`,
  );
}

/**
 * The floor's cold start for `role` (user or order): a plain node:http
 * process of bench/floor-server.ts, on the Firestore client's `transport`,
 * started as ours are (same Node.js, same heap for the same memory), in ms
 * to the first answer of the same route, reading the same document of
 * `stack`'s project.
 */
export async function floorColdStart(
  role: string,
  transport: 'grpc' | 'rest',
  stack: Stack,
): Promise<number> {
  const {topology, projectId, firestoreHost} = stack.layout;
  const port = await freePort();
  const started = performance.now();
  const child = spawnGroup(
    functionsNode(),
    [
      ...baselineHeapFlags(memoryBytes(topology.get(role).resources.memory)),
      path.join(ROOT, 'build', 'bench', 'floor-server.js'),
      role,
      String(port),
      projectId,
      topology.get(role).firestore!.database,
    ],
    {
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH ?? '',
        FIRESTORE_EMULATOR_HOST: firestoreHost,
        FLOOR_FIRESTORE: transport,
      },
    },
  );
  return firstAnswerMs(
    `the floor's ${role} cold start (${transport})`,
    child,
    started,
    `http://127.0.0.1:${port}${FIRST_ROUTES[role]}`,
  );
}

type ByTransport = Record<'grpc' | 'rest', number[]>;

/** Every sample of a run's cold starts, in the order taken. */
export interface ColdStartSamples {
  /** Ours, and the hello-world under `hello`. */
  ours: Record<string, number[]>;
  /** The floor's user and order, per transport. */
  floor: Record<string, ByTransport>;
  /** The same in the Functions Framework. */
  frameworkFloor: Record<string, ByTransport>;
  /** The same, with the libraries every function must load (framework-floor.ts). */
  frameworkFloorWithLibraries: Record<string, ByTransport>;
  /** User and order started without a tuning device for starts, by device. */
  withoutDevice: Record<string, Record<string, number[]>>;
}

/**
 * The tuning devices for a cold start, each judged by user's and order's
 * first answers without it (docs/tuning.md).
 */
export const COLD_START_DEVICES = ['firestore-rest-first'];

const byTransport = (): ByTransport => ({grpc: [], rest: []});
const medians = (b: ByTransport) => ({
  grpc: median(b.grpc),
  rest: median(b.rest),
});

/** Each role's median per transport. */
type Medians = Record<string, Record<'grpc' | 'rest', number>>;

/**
 * `samples` cold starts of each: the hello-world and the gateway, then
 * user and order, each beside the floor's and the framework floor's (also
 * with the libraries every function loads) on both transports. One turn
 * takes one sample of every process, so drift touches them alike and
 * sample i of each pairs with sample i of the others. User and order are
 * also started without each tuning device for starts (COLD_START_DEVICES). Ours start with an OTLP endpoint, as deployed: a receiver that
 * keeps nothing (otlp-sink.ts). Medians per process, and every sample.
 */
export async function coldStarts(
  stack: Stack,
  samples: number,
): Promise<{
  coldStartMs: Record<string, number>;
  floorColdStartMs: Medians;
  frameworkFloorColdStartMs: Medians;
  frameworkFloorWithLibrariesColdStartMs: Medians;
  withoutDeviceColdStartMs: Record<string, Record<string, number>>;
  coldStartSamplesMs: ColdStartSamples;
}> {
  const all: ColdStartSamples = {
    ours: {},
    floor: {},
    frameworkFloor: {},
    frameworkFloorWithLibraries: {},
    withoutDevice: {},
  };
  const untuned = COLD_START_DEVICES.map(device => ({
    device,
    entry: entryWithout([device]),
  }));
  for (const {device} of untuned)
    all.withoutDevice[device] = Object.fromEntries(
      Object.keys(FIRST_ROUTES).map(role => [role, []]),
    );
  const names = ['hello', 'gateway', ...Object.keys(FIRST_ROUTES)];
  for (const name of names) all.ours[name] = [];
  for (const role of Object.keys(FIRST_ROUTES)) {
    all.floor[role] = byTransport();
    all.frameworkFloor[role] = byTransport();
    all.frameworkFloorWithLibraries[role] = byTransport();
  }
  const sink = await otlpSink();
  try {
    for (let i = 0; i < samples; i++)
      for (const name of names) {
        all.ours[name].push(await coldStart(name, stack, sink.url));
        if (!(name in FIRST_ROUTES)) continue;
        for (const {device, entry} of untuned)
          all.withoutDevice[device][name].push(
            await coldStart(name, stack, sink.url, entry.file),
          );
        for (const transport of ['grpc', 'rest'] as const) {
          all.floor[name][transport].push(
            await floorColdStart(name, transport, stack),
          );
          all.frameworkFloor[name][transport].push(
            await frameworkFloorColdStart(name, transport, stack),
          );
          all.frameworkFloorWithLibraries[name][transport].push(
            await frameworkFloorColdStart(name, transport, stack, true),
          );
        }
      }
  } finally {
    await sink.close();
    for (const {entry} of untuned) entry.remove();
  }
  const each = <T, U>(record: Record<string, T>, f: (t: T) => U) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
  return {
    coldStartMs: each(all.ours, median),
    floorColdStartMs: each(all.floor, medians),
    frameworkFloorColdStartMs: each(all.frameworkFloor, medians),
    frameworkFloorWithLibrariesColdStartMs: each(
      all.frameworkFloorWithLibraries,
      medians,
    ),
    withoutDeviceColdStartMs: each(all.withoutDevice, byRole =>
      each(byRole, median),
    ),
    coldStartSamplesMs: all,
  };
}

/**
 * What the benchmark loads, each a gateway URL and the processes whose CPU
 * time counts:
 * - limit:            three plain http servers that only forward and answer
 *                     fixed JSON: as fast as three hops can be here;
 * - floor:            three plain http servers doing the same work as ours
 *                     (same calls, same Firestore reads and writes, same
 *                     client): the floor of that work (bench/floor-server.ts);
 * - framework-floor:  the floor's work in the Functions Framework, three
 *                     functions of bench/framework-floor.ts, without the
 *                     framework's per-request domain as ours run: the
 *                     card's own floor, what the same work costs on the
 *                     framework the design requires before any of this
 *                     project's;
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
 *                     per call, no keep-alive (bench/naive-functions.ts);
 * - without-<device>: ours started from a copy of its entry point without
 *                     that tuning line (local/untuned-entry.ts), the
 *                     library's default in its place: what the device buys
 *                     (docs/tuning.md; the framework fast path's is
 *                     framework-domain's).
 * Every request to our functions carries the ID token of Alice, a seed
 * user and an admin (every route is hers to call), but end-users-off's.
 * Each of ours runs as deployed but for what its variant switches off: a
 * log line per request at `info`, and spans exported over OTLP to a sink
 * of its own (standing for the Telemetry API) at Google Cloud's default
 * ratio, the gateway tracing that share of requests.
 * The stacks run in verify mode: in cloud mode the local stand-ins for
 * Google's front end and connector would be on the path, and their cost is
 * Google's on Google Cloud, not the functions'.
 */
import * as path from 'node:path';
import {ROOT, startStack, type Stack} from '../local/stack';
import {startFloor, startFrameworkFloor, startLimit} from './plain-servers';
import type {FirestoreClient, FirestoreReads} from './probes';
import {MAX_OPEN_ORDERS} from './scenarios';
import {projectFor, seeded} from './seeded-projects';
import {otlpSink} from './otlp-sink';
import {entryWithout} from '../local/untuned-entry';
import {DEFAULT_TRACE_RATIO} from '../functions/common/platform/variables';
import {telemetrySwitch, type TelemetrySwitch} from './telemetry-switch';

/**
 * The tuning devices for a request's CPU, each judged by a variant of ours
 * without it; the framework fast path's variant is framework-domain.
 */
export const CPU_DEVICES = ['http-calls'] as const;
export type WithoutDevice = `without-${(typeof CPU_DEVICES)[number]}`;
export const withoutDevice = (device: (typeof CPU_DEVICES)[number]) =>
  `without-${device}` as WithoutDevice;

export type VariantId =
  | 'limit'
  | 'floor'
  | 'framework-floor'
  | 'ours'
  | 'framework-domain'
  | 'auth-off'
  | 'end-users-off'
  | 'silent'
  | 'naive'
  | WithoutDevice;

export const VARIANTS: VariantId[] = [
  'limit',
  'floor',
  'framework-floor',
  'ours',
  'framework-domain',
  ...CPU_DEVICES.map(withoutDevice),
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
  // Where the functions export their spans, as they do on Google Cloud:
  // its cost is part of what is measured.
  const sink = await otlpSink();
  const device = CPU_DEVICES.find(d => variant === withoutDevice(d));
  const untuned = device === undefined ? undefined : entryWithout([device]);
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
      ...(untuned !== undefined && {FUNCTION_SOURCE: untuned.file}),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER_ARG: String(DEFAULT_TRACE_RATIO),
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
      await sink.close();
      telemetry?.remove();
      untuned?.remove();
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
      else if (variant === 'framework-floor')
        targets.push(
          await startFrameworkFloor(
            firestoreHost,
            // The floor's transport, when it runs: the two then differ by
            // the framework alone.
            targets.find(t => t.firestore)?.firestore?.floorTransport ?? 'grpc',
          ),
        );
      else targets.push(await startVariant(variant, firestoreHost));
    }
    return targets;
  } catch (e: unknown) {
    for (const t of targets.reverse()) await t.stop();
    throw e;
  }
}

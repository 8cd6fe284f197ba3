/**
 * The names of a run's ratios, as the report prints them and
 * bench/results/*.json keeps them. In one place so that a ratio
 * (ratios.ts) and the target judged on it (goals.ts) name the same figure:
 * a name changed on one side only would drop the target without a word.
 */

/** What a ratio between two variants compares. */
export type Measure = 'throughput' | 'CPU per request';

/** `a` over `b` on `route` at concurrency `c`. */
export const versus = (
  route: string,
  a: string,
  b: string,
  measure: Measure,
  c: number,
) => `${route}: ${a} vs ${b} (${measure}, c=${c})`;

/** Ours over auth-off. */
export const authOnOff = (route: string, c: number) =>
  versus(route, 'auth on', 'off', 'throughput', c);

/** Ours over end-users-off. */
export const endUsersOnOff = (route: string, measure: Measure, c: number) =>
  versus(route, 'end-user checks on', 'off', measure, c);

/** A ratio's 95 % interval bound, kept beside it. */
export const intervalBound = (name: string, bound: 'low' | 'high') =>
  `${name}, 95% interval ${bound}`;

/** The least or greatest of a ratio's sample-by-sample ratios, kept beside it. */
export const sampleBound = (name: string, bound: 'low' | 'high') =>
  `${name}, per sample ${bound}`;

export const TELEMETRY_ALL = 'every route: logging and tracing on vs off';

export const telemetryOnOff = (route: string) =>
  `${route}: logging and tracing on vs off (CPU per request, fixed rate)`;

/** The same with every request traced (ratio 1, as locally). */
export const TELEMETRY_ALL_TRACED =
  'every route: logging and tracing on, every request traced, vs off';

export const telemetryTracedOnOff = (route: string) =>
  `${route}: logging and tracing on, every request traced, vs off (CPU per request, fixed rate)`;

export const telemetryDirect = (route: string, functions: number) =>
  `${route}: logging and tracing measured directly, ${functions} request lines vs the route's CPU with them off`;

export const sdkSpansDirect = (route: string, functions: number) =>
  `${route}: the same spans made by the OpenTelemetry SDK's own parts alone, in ${functions} functions, vs the route's CPU with logging and tracing off`;

export const DIRECT_VS_HOP = 'direct vs slower single hop (p50 latency, c=1)';

export const coldVsHello = (fn: string) => `${fn} cold start vs hello-world`;

export const firstVsFloor = (fn: string) =>
  `${fn} first answer vs the floor's (its faster transport)`;

/** The floor's work in the Functions Framework over the floor's, first answers. */
export const frameworkVsFloor = (fn: string) =>
  `${fn} first answer: the floor in the Functions Framework vs the floor (faster transports)`;

/**
 * The same with the libraries every function loads at start
 * (framework-floor.ts REQUIRED_LIBRARIES), over the floor's.
 */
export const frameworkWithLibrariesVsFloor = (fn: string) =>
  `${fn} first answer: the floor in the Functions Framework with zod and the OpenTelemetry SDK loaded vs the floor (faster transports)`;

/**
 * Ours over the floor's work in the Functions Framework with the libraries
 * every function loads at start: the card's own floor, first answers.
 */
export const firstVsLibrariesFloor = (fn: string) =>
  `${fn} first answer vs the floor's in the Functions Framework with zod and the OpenTelemetry SDK loaded (its faster transport)`;

/** Ours over ours without a tuning device for starts, first answers. */
export const firstVsWithout = (fn: string, device: string) =>
  `${fn} first answer: ours vs without ${device}`;

/** Ours over the floor's work in the Functions Framework, first answers. */
export const firstVsFrameworkFloor = (fn: string) =>
  `${fn} first answer vs the floor's in the Functions Framework (its faster transport)`;

export const MEMORY_AFTER_LOAD =
  'memory after load, ours vs framework-domain (largest)';

export const FIRESTORE_READ_CPU =
  "one Firestore read: ours vs the floor's client (CPU)";

export const FIRESTORE_READ_RATE =
  "one Firestore read: ours vs the floor's client (reads/s)";

export const peakVsLimit = (fn: string) =>
  `${fn} peak resident memory under load vs its memory limit`;

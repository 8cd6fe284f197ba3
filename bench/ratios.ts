/**
 * The ratios of a run: each figure of ours over the same figure of a
 * baseline, under the names of ratio-names.ts. A focused run
 * (BENCH_VARIANTS) measures only some variants, and the default run loads
 * some on the mesh route only: each ratio is there when what it compares
 * was measured.
 */
import type {Figures} from './figures';
import type {Scenario} from './load';
import type {RoundFigures, Row} from './measure';
import {
  coldVsHello,
  DIRECT_VS_HOP,
  endUsersOnOff,
  FIRESTORE_READ_CPU,
  FIRESTORE_READ_RATE,
  firstVsFloor,
  firstVsFrameworkFloor,
  firstVsLibrariesFloor,
  firstVsWithout,
  frameworkVsFloor,
  frameworkWithLibrariesVsFloor,
  intervalBound,
  sampleBound,
  MEMORY_AFTER_LOAD,
  peakVsLimit,
  TELEMETRY_ALL,
  TELEMETRY_ALL_TRACED,
  telemetryDirect,
  sdkSpansDirect,
  telemetryOnOff,
  telemetryTracedOnOff,
  versus,
  authOnOff,
  type Measure,
} from './ratio-names';
import {median, ratioEstimate, round, type RatioEstimate} from './stats';
import {CPU_DEVICES, withoutDevice, type VariantId} from './targets';

export type Ratios = Record<string, number>;

const ratio = (a: number, b: number) => round(a / b, 2);

/**
 * The variant matched against the floor. The floor authorizes nothing: it
 * is matched against ours with the end-user checks off, when that ran
 * (their own cost is judged apart).
 */
export function floorPeer(rows: Row[]): VariantId {
  return rows.some(r => r.variant === 'end-users-off')
    ? 'end-users-off'
    : 'ours';
}

/**
 * The functions whose cold start is judged against a hello-world's: the
 * gateway reads nothing. User's and order's first answers are judged
 * against the floor's instead, on whichever transport answered it first.
 */
export function startsAgainstHello(figures: Figures): string[] {
  const floorCold = figures.floorColdStartMs ?? {};
  return Object.keys(figures.coldStartMs).filter(
    fn => fn !== 'hello' && floorCold[fn] === undefined,
  );
}

/** Computes the ratios of a run. */
export function computeRatios(
  rows: Row[],
  figures: Figures,
  scenarios: Scenario[],
  concurrency: number[],
): Ratios {
  const ratios: Ratios = {};
  const cMax = Math.max(...concurrency);
  if (figures.telemetry !== undefined) {
    const {ratio: point, low, high} = figures.telemetry.all;
    ratios[TELEMETRY_ALL] = point;
    ratios[intervalBound(TELEMETRY_ALL, 'low')] = low;
    ratios[intervalBound(TELEMETRY_ALL, 'high')] = high;
    const traced = figures.telemetry.traced;
    ratios[TELEMETRY_ALL_TRACED] = traced.ratio;
    ratios[intervalBound(TELEMETRY_ALL_TRACED, 'low')] = traced.low;
    ratios[intervalBound(TELEMETRY_ALL_TRACED, 'high')] = traced.high;
  }
  const fair = floorPeer(rows);
  for (const {id} of scenarios)
    routeRatios(ratios, rows, figures, id, cMax, fair);
  // A latency target at concurrency 1, which only the full run measures.
  const hasHops =
    concurrency.includes(1) &&
    ['direct', 'user-hop', 'order-hop'].every(id =>
      scenarios.some(s => s.id === id),
    );
  if (hasHops) {
    const slowerHop = Math.max(
      rowOf(rows, 'ours', 'user-hop', 1).p50Ms,
      rowOf(rows, 'ours', 'order-hop', 1).p50Ms,
    );
    ratios[DIRECT_VS_HOP] = ratio(
      rowOf(rows, 'ours', 'direct', 1).p50Ms,
      slowerHop,
    );
  }
  // The direct measurement (one request line, its spans included) times
  // the lines a route writes, against that route's CPU per request with
  // them off at the same fixed rate; and the same for the spans as the
  // SDK's own parts alone make them: the SDK's share of that cost.
  const direct = figures.telemetryUsPerRequest;
  for (const s of scenarios) {
    const off = figures.telemetry?.routes[s.id]?.cpuMsPerRequest.off;
    if (direct === undefined || off === undefined) continue;
    const share = (us: number) => round((s.functions * us) / 1000 / off, 3);
    ratios[telemetryDirect(s.id, s.functions)] = share(direct.added);
    if (direct.sdkSpans !== undefined)
      ratios[sdkSpansDirect(s.id, s.functions)] = share(direct.sdkSpans);
  }
  startRatios(ratios, figures);
  memoryAndReadRatios(ratios, figures);
  return ratios;
}

/** The row of `variant` on `scenario` at concurrency `c`. */
function rowOf(rows: Row[], variant: VariantId, scenario: string, c: number) {
  const row = rows.find(
    r =>
      r.variant === variant && r.scenario === scenario && r.concurrency === c,
  );
  if (row === undefined)
    throw new Error(`No measurement of ${variant} on ${scenario} at c=${c}`);
  return row;
}

/** One route's ratios at the highest concurrency, `fair` against the floor. */
function routeRatios(
  ratios: Ratios,
  rows: Row[],
  figures: Figures,
  id: string,
  cMax: number,
  fair: VariantId,
): void {
  const has = (variant: VariantId) =>
    rows.some(
      r => r.variant === variant && r.scenario === id && r.concurrency === cMax,
    );
  const paired = (a: VariantId, b: VariantId, key: keyof RoundFigures) =>
    pairedRatio(rowOf(rows, a, id, cMax), rowOf(rows, b, id, cMax), key);
  const throughput = (a: VariantId, b: VariantId) =>
    paired(a, b, 'requestsPerSec');
  const cpu = (a: VariantId, b: VariantId) => paired(a, b, 'cpuMsPerRequest');
  const against = (b: VariantId, name: string, value: () => number) => {
    if (has(b) && has('ours')) ratios[name] = value();
  };
  const vs = (a: string, b: string, measure: Measure) =>
    versus(id, a, b, measure, cMax);
  against('floor', vs('ours', 'floor', 'throughput'), () =>
    throughput('ours', 'floor'),
  );
  against('floor', vs('ours', 'floor', 'CPU per request'), () =>
    cpu('ours', 'floor'),
  );
  // The card's own floor: the same work on the framework, run as ours
  // (its fast path on: framework-domain judges that).
  against('framework-floor', vs('ours', 'framework-floor', 'throughput'), () =>
    throughput('ours', 'framework-floor'),
  );
  against(
    'framework-floor',
    vs('ours', 'framework-floor', 'CPU per request'),
    () => cpu('ours', 'framework-floor'),
  );
  if (fair !== 'ours' && has(fair)) {
    against('floor', vs(fair, 'floor', 'throughput'), () =>
      throughput(fair, 'floor'),
    );
    against('floor', vs(fair, 'floor', 'CPU per request'), () =>
      cpu(fair, 'floor'),
    );
  }
  against(
    'framework-domain',
    vs('ours', 'framework-domain', 'throughput'),
    () => throughput('ours', 'framework-domain'),
  );
  against(
    'framework-domain',
    vs('ours', 'framework-domain', 'CPU per request'),
    () => cpu('ours', 'framework-domain'),
  );
  for (const device of CPU_DEVICES) {
    const without = withoutDevice(device);
    against(without, vs('ours', without, 'throughput'), () =>
      throughput('ours', without),
    );
    against(without, vs('ours', without, 'CPU per request'), () =>
      cpu('ours', without),
    );
  }
  against('naive', vs('ours', 'naive', 'throughput'), () =>
    throughput('ours', 'naive'),
  );
  against('naive', vs('ours', 'naive', 'CPU per request'), () =>
    cpu('ours', 'naive'),
  );
  against('auth-off', authOnOff(id, cMax), () =>
    throughput('ours', 'auth-off'),
  );
  if (has('end-users-off'))
    for (const [measure, key] of [
      ['throughput', 'requestsPerSec'],
      ['CPU per request', 'cpuMsPerRequest'],
    ] as const) {
      const [on, off] = [
        rowOf(rows, 'ours', id, cMax),
        rowOf(rows, 'end-users-off', id, cMax),
      ];
      const name = endUsersOnOff(id, measure, cMax);
      ratios[name] = pairedRatio(on, off, key);
      // Its 95 % interval over the rounds, where there are two or more.
      const {low, high} = pairedEstimate(on, off, key);
      if (Number.isFinite(low)) {
        ratios[intervalBound(name, 'low')] = low;
        ratios[intervalBound(name, 'high')] = high;
      }
    }
  const atRate = figures.telemetry?.routes[id];
  if (atRate !== undefined) {
    ratios[telemetryOnOff(id)] = atRate.ratio;
    ratios[telemetryTracedOnOff(id)] = atRate.traced.ratio;
  }
  against('limit', vs('ours', 'limit', 'throughput'), () =>
    throughput('ours', 'limit'),
  );
}

/**
 * Beside the ratio `name` of two medians, the least and greatest ratio of
 * their samples taken in the same turn (`a[i] / b[i]`): how far a single
 * sample strays, which five samples of a cold start do often.
 */
function sampleRange(
  ratios: Ratios,
  name: string,
  a: number[] | undefined,
  b: number[] | undefined,
): void {
  if (a === undefined || b === undefined || a.length !== b.length) return;
  if (a.length < 2) return;
  const each = a.map((x, i) => x / b[i]);
  ratios[sampleBound(name, 'low')] = round(Math.min(...each), 2);
  ratios[sampleBound(name, 'high')] = round(Math.max(...each), 2);
}

/** The transport whose median first answer came sooner. */
const fasterOf = (b: Record<'grpc' | 'rest', number>) =>
  b.grpc < b.rest ? 'grpc' : 'rest';

/** Cold starts: against a hello-world's, or the floor's first answers. */
function startRatios(ratios: Ratios, figures: Figures): void {
  const cold = figures.coldStartMs;
  const samples = figures.coldStartSamplesMs;
  for (const fn of startsAgainstHello(figures)) {
    ratios[coldVsHello(fn)] = ratio(cold[fn], cold.hello);
    sampleRange(
      ratios,
      coldVsHello(fn),
      samples?.ours[fn],
      samples?.ours.hello,
    );
  }
  for (const [fn, byTransport] of Object.entries(
    figures.floorColdStartMs ?? {},
  ))
    if (cold[fn] !== undefined) {
      const faster = fasterOf(byTransport);
      ratios[firstVsFloor(fn)] = ratio(cold[fn], byTransport[faster]);
      sampleRange(
        ratios,
        firstVsFloor(fn),
        samples?.ours[fn],
        samples?.floor[fn]?.[faster],
      );
    }
  // What each tuning device for starts buys a first answer.
  for (const [device, byRole] of Object.entries(
    figures.withoutDeviceColdStartMs ?? {},
  ))
    for (const [fn, without] of Object.entries(byRole))
      if (cold[fn] !== undefined) {
        ratios[firstVsWithout(fn, device)] = ratio(cold[fn], without);
        sampleRange(
          ratios,
          firstVsWithout(fn, device),
          samples?.ours[fn],
          samples?.withoutDevice?.[device]?.[fn],
        );
      }
  // What the framework itself adds to the floor's first answer, and what
  // ours adds to the framework's: the share of a start no function on the
  // framework can avoid, and the share that is ours; beside them, the
  // best start a function built as required (the framework floor with the
  // libraries every function loads) can have, over the floor's.
  for (const [fn, inFramework] of Object.entries(
    figures.frameworkFloorColdStartMs ?? {},
  )) {
    const framework = inFramework[fasterOf(inFramework)];
    const byTransport = figures.floorColdStartMs?.[fn];
    const floor = byTransport && byTransport[fasterOf(byTransport)];
    const withLibraries = figures.frameworkFloorWithLibrariesColdStartMs?.[fn];
    if (floor !== undefined) {
      ratios[frameworkVsFloor(fn)] = ratio(framework, floor);
      if (withLibraries !== undefined)
        ratios[frameworkWithLibrariesVsFloor(fn)] = ratio(
          withLibraries[fasterOf(withLibraries)],
          floor,
        );
    }
    if (cold[fn] !== undefined) {
      ratios[firstVsFrameworkFloor(fn)] = ratio(cold[fn], framework);
      if (withLibraries !== undefined) {
        const faster = fasterOf(withLibraries);
        ratios[firstVsLibrariesFloor(fn)] = ratio(
          cold[fn],
          withLibraries[faster],
        );
        sampleRange(
          ratios,
          firstVsLibrariesFloor(fn),
          samples?.ours[fn],
          samples?.frameworkFloorWithLibraries[fn]?.[faster],
        );
      }
    }
  }
}

/** Memory after the load and at its peak, and one Firestore read. */
function memoryAndReadRatios(ratios: Ratios, figures: Figures): void {
  const ours = figures.rssMbAfterLoad.ours ?? {};
  const before = figures.rssMbAfterLoad['framework-domain'];
  if (before !== undefined)
    ratios[MEMORY_AFTER_LOAD] = Math.max(
      ...Object.keys(ours).map(fn => ratio(ours[fn], before[fn])),
    );
  const reads = figures.firestoreReads;
  const floorClient = figures.floorFirestoreTransport;
  if (reads !== undefined && floorClient !== undefined) {
    ratios[FIRESTORE_READ_CPU] = ratio(
      reads.ours.cpuMsPerRead,
      reads[floorClient].cpuMsPerRead,
    );
    ratios[FIRESTORE_READ_RATE] = ratio(
      reads.ours.readsPerSec,
      reads[floorClient].readsPerSec,
    );
  }
  for (const [fn, {peak, limit}] of Object.entries(figures.peakRssMb ?? {}))
    ratios[peakVsLimit(fn)] = round(peak / limit, 2);
}

/**
 * `a`'s figure over `b`'s: the median of the rounds' ratios when both have
 * the same rounds (each pair was taken back to back, so drift between
 * rounds cancels), else the ratio of the rows' own figures. To 2 decimals.
 */
export function pairedRatio(a: Row, b: Row, key: keyof RoundFigures): number {
  const [ours, theirs] = [a.rounds ?? [], b.rounds ?? []];
  const value =
    ours.length > 0 && ours.length === theirs.length
      ? median(ours.map((r, i) => r[key] / theirs[i][key]))
      : a[key] / b[key];
  return round(value, 2);
}

/**
 * `a`'s figure over `b`'s as the geometric mean of the rounds' ratios, with
 * its 95 % interval (NaN bounds with fewer than two rounds).
 */
export function pairedEstimate(
  a: Row,
  b: Row,
  key: keyof RoundFigures,
): RatioEstimate {
  const [ours, theirs] = [a.rounds ?? [], b.rounds ?? []];
  return ratioEstimate(
    ours.length > 0 && ours.length === theirs.length
      ? ours.map((r, i) => r[key] / theirs[i][key])
      : [a[key] / b[key]],
  );
}

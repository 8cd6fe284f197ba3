/**
 * The benchmark's conclusions, computed from its measurements by pure
 * functions (tested on their own): the ratios between variants, the targets
 * each as met or not, and the table printed at the end.
 */
import type {Scenario} from './load';
import type {RoundFigures, Row, TelemetryCosts} from './measure';
import {median, ratioEstimate, round, type RatioEstimate} from './stats';
import type {VariantId} from './targets';

export interface Figures {
  coldStartMs: Record<string, number>;
  /** Resident MB per function after the load, for ours and framework-domain. */
  rssMbAfterLoad: Partial<Record<VariantId, Record<string, number>>>;
  /** Logging and tracing switched on and off at a fixed rate, when silent ran. */
  telemetry?: TelemetryCosts;
  /** Logging and tracing's own CPU per request in one function (probes.ts). */
  telemetryUsPerRequest?: {on: number; off: number; added: number};
  [name: string]: unknown;
}

export interface TargetResult {
  target: string;
  value: number;
  met: boolean;
}

export interface Report {
  ratios: Record<string, number>;
  targets: TargetResult[];
}

/** Computes the ratios and targets of a run. */
export function buildReport(
  rows: Row[],
  figures: Figures,
  scenarios: Scenario[],
  concurrency: number[],
): Report {
  const get = (variant: VariantId, scenario: string, c: number) => {
    const row = rows.find(
      r =>
        r.variant === variant && r.scenario === scenario && r.concurrency === c,
    );
    if (row === undefined)
      throw new Error(`No measurement of ${variant} on ${scenario} at c=${c}`);
    return row;
  };
  const cMax = Math.max(...concurrency);
  const ratio = (a: number, b: number) => round(a / b, 2);
  const ratios: Record<string, number> = {};
  const throughput = (a: VariantId, b: VariantId, s: string) =>
    pairedRatio(get(a, s, cMax), get(b, s, cMax), 'requestsPerSec');
  const cpu = (a: VariantId, b: VariantId, s: string) =>
    pairedRatio(get(a, s, cMax), get(b, s, cMax), 'cpuMsPerRequest');
  const each = (name: (s: string) => string) =>
    scenarios.map(s => ratios[name(s.id)]);
  const measuredAll = (values: (number | undefined)[]): values is number[] =>
    values.every(v => v !== undefined);

  const vsFloor = (s: string) => `${s}: ours vs floor (throughput, c=${cMax})`;
  const cpuVsFloor = (s: string) =>
    `${s}: ours vs floor (CPU per request, c=${cMax})`;
  const vsNaive = (s: string) => `${s}: ours vs naive (throughput, c=${cMax})`;
  const authOnOff = (s: string) =>
    `${s}: auth on vs off (throughput, c=${cMax})`;
  const endUsersOnOff = (s: string, what: string) =>
    `${s}: end-user checks on vs off (${what}, c=${cMax})`;
  const telemetry = (s: string) =>
    `${s}: logging and tracing on vs off (CPU per request, fixed rate)`;
  const telemetryAll =
    'every route: logging and tracing on vs off, upper end of the 95% interval';
  if (figures.telemetry !== undefined)
    ratios[telemetryAll] = figures.telemetry.all.high;
  // A focused run (BENCH_VARIANTS) measures only some variants: each ratio
  // and target is there when what it compares was measured.
  const measured = new Set(rows.map(r => r.variant));
  const against = (b: VariantId, name: string, value: () => number) => {
    if (measured.has(b)) ratios[name] = value();
  };
  for (const {id} of scenarios) {
    against('floor', vsFloor(id), () => throughput('ours', 'floor', id));
    against('floor', cpuVsFloor(id), () => cpu('ours', 'floor', id));
    against(
      'framework-domain',
      `${id}: ours vs framework-domain (throughput, c=${cMax})`,
      () => throughput('ours', 'framework-domain', id),
    );
    against(
      'framework-domain',
      `${id}: ours vs framework-domain (CPU per request, c=${cMax})`,
      () => cpu('ours', 'framework-domain', id),
    );
    against('naive', vsNaive(id), () => throughput('ours', 'naive', id));
    against('auth-off', authOnOff(id), () =>
      throughput('ours', 'auth-off', id),
    );
    if (measured.has('end-users-off'))
      for (const [what, key] of [
        ['throughput', 'requestsPerSec'],
        ['CPU per request', 'cpuMsPerRequest'],
      ] as const) {
        const [on, off] = [
          get('ours', id, cMax),
          get('end-users-off', id, cMax),
        ];
        const name = endUsersOnOff(id, what);
        ratios[name] = pairedRatio(on, off, key);
        // Its 95 % interval over the rounds, where there are two or more.
        const {low, high} = pairedEstimate(on, off, key);
        if (Number.isFinite(low)) {
          ratios[`${name}, 95% interval low`] = low;
          ratios[`${name}, 95% interval high`] = high;
        }
      }
    const atRate = figures.telemetry?.routes[id];
    if (atRate !== undefined) ratios[telemetry(id)] = atRate.ratio;
    against('limit', `${id}: ours vs limit (throughput, c=${cMax})`, () =>
      throughput('ours', 'limit', id),
    );
  }
  const hasHops = ['direct', 'user-hop', 'order-hop'].every(id =>
    scenarios.some(s => s.id === id),
  );
  if (hasHops) {
    const slowerHop = Math.max(
      get('ours', 'user-hop', 1).p50Ms,
      get('ours', 'order-hop', 1).p50Ms,
    );
    ratios['direct vs slower single hop (p50 latency, c=1)'] = ratio(
      get('ours', 'direct', 1).p50Ms,
      slowerHop,
    );
  }
  // The direct measurement (one request line, its spans included) times
  // the lines a route writes, against that route's CPU per request with
  // them off at the same fixed rate.
  const direct = figures.telemetryUsPerRequest;
  for (const s of scenarios) {
    const off = figures.telemetry?.routes[s.id]?.cpuMsPerRequest.off;
    if (direct !== undefined && off !== undefined)
      ratios[
        `${s.id}: logging and tracing measured directly, ${s.functions} request lines vs the route's CPU with them off`
      ] = round((s.functions * direct.added) / 1000 / off, 3);
  }
  const cold = figures.coldStartMs;
  ratios['gateway cold start vs hello-world'] = ratio(cold.gateway, cold.hello);
  const ours = figures.rssMbAfterLoad.ours ?? {};
  const before = figures.rssMbAfterLoad['framework-domain'];
  if (before !== undefined)
    ratios['memory after load, ours vs framework-domain (largest)'] = Math.max(
      ...Object.keys(ours).map(fn => ratio(ours[fn], before[fn])),
    );

  const target = (name: string, value: number, ok: (v: number) => boolean) => ({
    target: name,
    value,
    met: Number.isFinite(value) && ok(value),
  });
  const targets: TargetResult[] = [];
  /** A target on `value`, when it was measured. */
  const goal = (
    name: string,
    value: number | undefined,
    ok: (v: number) => boolean,
  ) => {
    if (value !== undefined) targets.push(target(name, value, ok));
  };
  /** The worst of a ratio over every route, when every route has it. */
  const worst = (name: (s: string) => string, pick: typeof Math.min) => {
    const values = each(name);
    return measuredAll(values) ? pick(...values) : undefined;
  };
  goal(
    `mesh, c=${cMax}: ours >= 0.6x the floor's throughput`,
    ratios[vsFloor('mesh')],
    v => v >= 0.6,
  );
  goal(
    `mesh, c=${cMax}: ours <= 1.8x the floor's CPU per request`,
    ratios[cpuVsFloor('mesh')],
    v => v <= 1.8,
  );
  goal(
    "every route: ours >= 2x the naive way's throughput",
    worst(vsNaive, Math.min),
    v => v >= 2,
  );
  goal(
    `mesh, c=${cMax}: end-user checks on >= 0.9x off (throughput)`,
    ratios[endUsersOnOff('mesh', 'throughput')],
    v => v >= 0.9,
  );
  goal(
    `mesh, c=${cMax}: end-user checks on <= 1.11x off (CPU per request, 1/0.9)`,
    ratios[endUsersOnOff('mesh', 'CPU per request')],
    v => v <= 1 / 0.9,
  );
  goal(
    'every route: auth on >= 0.9x auth off (throughput)',
    worst(authOnOff, Math.min),
    v => v >= 0.9,
  );
  // Judged on the upper end of the 95 % interval: met only when the
  // measurement shows it, not when noise happens to favour it.
  goal(
    'logging and tracing add <= 5% CPU per request (on vs off in the same processes, fixed rate, every route: upper end of the 95% interval)',
    ratios[telemetryAll],
    v => v <= 1.05,
  );
  goal(
    'gateway cold start <= 1.5x hello-world',
    ratios['gateway cold start vs hello-world'],
    v => v <= 1.5,
  );
  goal(
    'memory after load within 10% of the framework-domain variant (before the domain was replaced)',
    ratios['memory after load, ours vs framework-domain (largest)'],
    v => v <= 1.1,
  );
  if (hasHops)
    targets.push(
      target(
        'direct p50 (c=1) <= 1.2x the slower single hop',
        ratios['direct vs slower single hop (p50 latency, c=1)'],
        v => v <= 1.2,
      ),
    );
  return {ratios, targets};
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

/** The table of every measurement, one line a row, as printed. */
export function formatTable(
  rows: Row[],
  scenarios: Scenario[],
  concurrency: number[],
  variants: VariantId[],
): string[] {
  const lines = [
    `${'Scenario'.padEnd(64)}${'variant'.padEnd(18)}conc    req/s   p50 ms  p99 ms  cpu ms/req  errors`,
  ];
  for (const s of scenarios)
    for (const c of concurrency)
      for (const v of variants) {
        const r = rows.find(
          x => x.variant === v && x.scenario === s.id && x.concurrency === c,
        );
        if (r === undefined) continue;
        lines.push(
          `${s.title.padEnd(64)}${v.padEnd(18)}${String(c).padStart(4)}${r.requestsPerSec.toFixed(0).padStart(9)}${String(r.p50Ms).padStart(9)}${String(r.p99Ms).padStart(8)}${r.cpuMsPerRequest.toFixed(2).padStart(9)}${String(r.errors).padStart(8)}`,
        );
      }
  return lines;
}

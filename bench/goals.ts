/**
 * The targets a run is judged by, each a bound on one of its ratios
 * (ratios.ts, named by ratio-names.ts): met or not, and left out when what
 * it bounds was not measured.
 */
import type {Figures} from './figures';
import type {Scenario} from './load';
import {
  authOnOff,
  coldVsHello,
  DIRECT_VS_HOP,
  endUsersOnOff,
  firstVsLibrariesFloor,
  firstVsWithout,
  MEMORY_AFTER_LOAD,
  peakVsLimit,
  sampleBound,
  versus,
} from './ratio-names';
import {startsAgainstHello, type Ratios} from './ratios';
import {CPU_DEVICES, withoutDevice} from './targets';

export interface TargetResult {
  target: string;
  value: number;
  met: boolean;
}

const measuredAll = (values: (number | undefined)[]): values is number[] =>
  values.every(v => v !== undefined);

/**
 * Judges a run's `ratios` against the targets, at the highest concurrency
 * `cMax`.
 */
export function judgeTargets(
  ratios: Ratios,
  figures: Figures,
  scenarios: Scenario[],
  cMax: number,
): TargetResult[] {
  const targets: TargetResult[] = [];
  /** A target on `value`, when it was measured. */
  const goal = (
    name: string,
    value: number | undefined,
    ok: (v: number) => boolean,
  ) => {
    if (value !== undefined)
      targets.push({
        target: name,
        value,
        met: Number.isFinite(value) && ok(value),
      });
  };
  /** The worst of a ratio over every route, when every route has it. */
  const worst = (name: (route: string) => string, pick: typeof Math.min) => {
    const values = scenarios.map(s => ratios[name(s.id)]);
    return measuredAll(values) ? pick(...values) : undefined;
  };
  // Ours as deployed (end-user checks on, a log line per request, spans
  // exported at the Google Cloud ratio) against the floor; the ratio with
  // the end-user checks off, as the floor has none, is printed beside.
  goal(
    `mesh, c=${cMax}: ours as deployed >= 0.8x the floor's throughput`,
    ratios[versus('mesh', 'ours', 'floor', 'throughput', cMax)],
    v => v >= 0.8,
  );
  goal(
    `mesh, c=${cMax}: ours as deployed <= 1.4x the floor's CPU per request`,
    ratios[versus('mesh', 'ours', 'floor', 'CPU per request', cMax)],
    v => v <= 1.4,
  );
  // What each tuning device buys (docs/tuning.md): at least a tenth of the
  // mesh route's CPU per request, against ours without it in the same run
  // (the framework fast path's: against framework-domain).
  for (const without of ['framework-domain', ...CPU_DEVICES.map(withoutDevice)])
    goal(
      `mesh, c=${cMax}: ours <= 0.9x the CPU per request of ${without}`,
      ratios[versus('mesh', 'ours', without, 'CPU per request', cMax)],
      v => v <= 0.9,
    );
  goal(
    'token requests per 1,000 calls <= 5',
    figures.tokensPer1000Requests_ours as number | undefined,
    v => v <= 5,
  );
  goal(
    "every route: ours <= the naive way's CPU per request",
    worst(
      route => versus(route, 'ours', 'naive', 'CPU per request', cMax),
      Math.max,
    ),
    v => v <= 1,
  );
  goal(
    `mesh, c=${cMax}: end-user checks on >= 0.9x off (throughput)`,
    ratios[endUsersOnOff('mesh', 'throughput', cMax)],
    v => v >= 0.9,
  );
  goal(
    `mesh, c=${cMax}: end-user checks on <= 1.11x off (CPU per request, 1/0.9)`,
    ratios[endUsersOnOff('mesh', 'CPU per request', cMax)],
    v => v <= 1 / 0.9,
  );
  goal(
    'every route: auth on >= 0.9x auth off (throughput)',
    worst(route => authOnOff(route, cMax), Math.min),
    v => v >= 0.9,
  );
  // Judged on the point estimate, its 95 % interval printed beside it: the
  // interval is too wide to tell 5 % from a little less.
  const all = figures.telemetry?.all;
  goal(
    `logging and tracing add <= 5% CPU per request at the Google Cloud ratio (on vs off in the same processes, fixed rate, every route's rounds: point estimate${all === undefined ? '' : `, 95% interval ${all.low}–${all.high}`})`,
    all?.ratio,
    v => v <= 1.05,
  );
  // Judged on the ratio of medians, the sample-by-sample spread printed
  // beside it where the samples were kept.
  const spread = (name: string) => {
    const [low, high] = [
      ratios[sampleBound(name, 'low')],
      ratios[sampleBound(name, 'high')],
    ];
    return low === undefined || high === undefined
      ? ''
      : ` (ratio of medians; sample by sample ${low}–${high})`;
  };
  for (const fn of startsAgainstHello(figures))
    goal(
      `${fn} cold start <= 1.3x hello-world${spread(coldVsHello(fn))}`,
      ratios[coldVsHello(fn)],
      v => v <= 1.3,
    );
  // Against the card's own floor: the same work on the framework with the
  // libraries it requires; the ratio to the plain floor is printed beside.
  for (const fn of Object.keys(
    figures.frameworkFloorWithLibrariesColdStartMs ?? {},
  ))
    goal(
      `${fn} first answer <= 1.1x the floor's in the Functions Framework with zod and the OpenTelemetry SDK${spread(firstVsLibrariesFloor(fn))}`,
      ratios[firstVsLibrariesFloor(fn)],
      v => v <= 1.1,
    );
  // What each tuning device for starts buys: at least a tenth of a first
  // answer, against ours without it in the same run.
  for (const [device, byRole] of Object.entries(
    figures.withoutDeviceColdStartMs ?? {},
  ))
    for (const fn of Object.keys(byRole))
      goal(
        `${fn} first answer: ours <= 0.9x without ${device}${spread(firstVsWithout(fn, device))}`,
        ratios[firstVsWithout(fn, device)],
        v => v <= 0.9,
      );
  // Cloud Run ends an instance over its limit: what the load takes must
  // leave room for a burst.
  for (const fn of Object.keys(figures.peakRssMb ?? {}))
    goal(
      `${fn} peak resident memory under load <= 60% of its memory limit`,
      ratios[peakVsLimit(fn)],
      v => v <= 0.6,
    );
  goal(
    'memory after load within 10% of the framework-domain variant (before the domain was replaced)',
    ratios[MEMORY_AFTER_LOAD],
    v => v <= 1.1,
  );
  // A latency target at concurrency 1, which only the full run measures.
  goal(
    'direct p50 (c=1) <= 1.2x the slower single hop',
    ratios[DIRECT_VS_HOP],
    v => v <= 1.2,
  );
  return targets;
}

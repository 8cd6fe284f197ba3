/**
 * The measured runs: the emulator warmed up first, then every scenario at
 * every concurrency against every target, in rounds, the targets taking
 * turns in a rotating order so that drift over the run favours none of them.
 * A scenario's rounds run together, the write route's last, so that no
 * read is measured on a project the creates have already grown, and what
 * comes before each run of a target is its own run of the round before,
 * not other routes' rounds that only some targets serve. (The rotation
 * still leaves one target a round a longer wait, the one that led the
 * round before; the median of the rounds sets that round aside.)
 */
import {load, type LoadResult, type Scenario} from './load';
import type {BenchOptions} from './options';
import {cpuMs} from './probes';
import {MESH, SCENARIOS} from './scenarios';
import {median, ratioEstimate, round, type RatioEstimate} from './stats';
import {WRK_ERROR_KINDS} from './wrk';
import type {Target, VariantId} from './targets';
import type {TelemetryState} from './telemetry-switch';

export interface Row extends LoadResult {
  variant: VariantId;
  scenario: string;
  concurrency: number;
  /** CPU time per request of the target's own processes. */
  cpuMsPerRequest: number;
  /**
   * Each round's figures, in the order they were taken: the targets run
   * back to back within a round, so comparing them round by round cancels
   * the machine's drift between rounds (ratios.ts, pairedRatio).
   */
  rounds?: RoundFigures[];
}

export type RoundFigures = Pick<Row, 'requestsPerSec' | 'cpuMsPerRequest'>;

type Log = (line: string) => void;

/** How a target's warm-up went: its mesh steps' req/s, and whether they stopped rising in time. */
export interface WarmUp {
  steps: number[];
  settled: boolean;
}

/**
 * Warms every target up, in turns: one step of the mesh route each, over
 * and over, a target leaving the turns once its throughput stops rising
 * (two steps in a row that do not beat its best so far by `risingBy`) or
 * its time runs out. Every other route warms in its own settling round
 * (measureAll), so that ours, loaded with every route, and the variants
 * loaded with the mesh alone come to the mesh's rounds with the same
 * history. Every target needs its own: the emulator's JIT takes tens of
 * seconds of load to settle, and so do each target's own processes and its
 * project in the emulator (measured: three identical stacks took four 5 s
 * rounds to converge, from 16 to 5.4 ms of CPU per request, while the one
 * used for a shared warm-up started at 7).
 * In turns, not one target after another: a target warmed first and then
 * left idle while the others warm loses some of what it gained (V8 drops
 * code an idle process does not run), and the measured rounds would judge
 * that, not its code.
 */
export async function warmUpAll(
  targets: Target[],
  options: BenchOptions,
  log: Log,
): Promise<Record<string, WarmUp>> {
  const {stepS, maxS, risingBy} = options.warmup;
  const c = Math.max(...options.concurrency);
  const state = targets.map(target => ({
    target,
    steps: [] as number[],
    best: 0,
    flat: 0,
    settled: false,
  }));
  for (let spent = 0; spent < maxS; spent += stepS) {
    const warming = state.filter(w => !w.settled);
    if (warming.length === 0) break;
    for (const w of warming) {
      const {requestsPerSec} = await load(w.target, MESH, c, stepS);
      w.steps.push(round(requestsPerSec, 0));
      w.flat = requestsPerSec < w.best * (1 + risingBy) ? w.flat + 1 : 0;
      w.settled = w.flat === 2;
      w.best = Math.max(w.best, requestsPerSec);
    }
  }
  const warmups: Record<string, WarmUp> = {};
  for (const {target, steps, settled} of state) {
    log(
      `  ${target.variant.padEnd(16)} mesh req/s by ${stepS}s step: ${steps.join(', ')} (${settled ? 'stopped rising' : 'still rising when the warm-up time ran out'})`,
    );
    warmups[target.variant] = {steps, settled};
  }
  return warmups;
}

/**
 * CPU ms used so far by the processes that serve `target`. Only those: the
 * identity servers in this process stand in for Google's metadata server,
 * whose cost is Google's, like the front end's.
 */
export function targetCpuMs(target: Pick<Target, 'pids'>): number {
  return target.pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** A run's errors by kind, for its log line: ` (status 2, read 1)`, or none. */
export function errorKinds({errorsByKind}: LoadResult): string {
  const kinds = Object.entries(errorsByKind ?? {})
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`);
  return kinds.length === 0 ? '' : ` (${kinds.join(', ')})`;
}

/** Rounds' errors by kind, added up as their errors are. */
function kindsAdded(runs: LoadResult[]): LoadResult['errorsByKind'] {
  return Object.fromEntries(
    WRK_ERROR_KINDS.map(kind => [
      kind,
      runs.reduce((sum, r) => sum + (r.errorsByKind?.[kind] ?? 0), 0),
    ]),
  ) as LoadResult['errorsByKind'];
}

/**
 * The order the routes are measured in: the mesh first, which every target
 * is loaded with and most targets judge, straight after the warm-up; the
 * write route last, so that no read is measured on a project its creates
 * have grown (the emulator slows as a project's writes pile up, deleted or
 * not).
 */
export function measuringOrder(scenarios = SCENARIOS): Scenario[] {
  const rank = (s: Scenario) =>
    s.id === MESH.id ? 0 : s.method === 'GET' ? 1 : 2;
  return [...scenarios].sort((a, b) => rank(a) - rank(b));
}

/**
 * Runs every scenario at every concurrency against every target loaded
 * with it (options.routesOf): `options.settleRounds` rounds whose figures
 * are dropped, then `options.rounds` measured ones. A target's first runs
 * after a spell of idling (its warm-up, or other routes' rounds) cost more
 * than the ones that follow, and by how much differs from target to
 * target: measured, they judged a target's history, not its code. Each row
 * is the median round by throughput, with the median CPU per request (not
 * necessarily that round's) and every round's figures.
 * Also resolves to the requests sent per target.
 */
export async function measureAll(
  targets: Target[],
  options: BenchOptions,
  log: Log,
  /** Called straight after each target's last measured run of a scenario. */
  afterLastRun: (target: Target, scenario: Scenario) => void = () => undefined,
): Promise<{rows: Row[]; requests: Record<string, number>}> {
  const requests: Record<string, number> = {};
  const samples = new Map<string, Row[]>();
  let turn = 0;
  for (const scenario of measuringOrder()) {
    for (const c of options.concurrency) {
      const loaded = targets.filter(t =>
        options.routesOf(t.variant).includes(scenario.id),
      );
      for (
        let roundNo = 1 - options.settleRounds;
        roundNo <= options.rounds;
        roundNo++
      ) {
        const order = loaded.map((_, i) => loaded[(i + turn) % loaded.length]);
        turn++;
        for (const target of order) {
          if (options.runWarmupS > 0)
            await load(target, scenario, c, options.runWarmupS);
          const before = targetCpuMs(target);
          const r = await load(target, scenario, c, options.durationS);
          const cpu = targetCpuMs(target) - before;
          if (scenario.method !== 'GET') await target.reset();
          requests[target.variant] =
            (requests[target.variant] ?? 0) + r.requests;
          const cpuMsPerRequest = round(cpu / r.requests, 3);
          if (roundNo < 1) {
            log(
              `  settling ${scenario.id.padEnd(9)} c=${String(c).padEnd(3)} ${target.variant.padEnd(16)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  cpu ${cpuMsPerRequest} ms/req  (not counted)`,
            );
            continue;
          }
          const row: Row = {
            variant: target.variant,
            scenario: scenario.id,
            concurrency: c,
            ...r,
            cpuMsPerRequest,
          };
          const key = `${target.variant}/${scenario.id}/${c}`;
          samples.set(key, [...(samples.get(key) ?? []), row]);
          if (roundNo === options.rounds) afterLastRun(target, scenario);
          log(
            `  round ${roundNo} ${scenario.id.padEnd(9)} c=${String(c).padEnd(3)} ${target.variant.padEnd(16)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(4)} ms  cpu ${row.cpuMsPerRequest} ms/req  errors ${r.errors}${errorKinds(r)}`,
          );
        }
      }
    }
  }
  const rows: Row[] = [];
  for (const runs of samples.values()) {
    const rate = median(runs.map(r => r.requestsPerSec));
    const middle = runs.find(r => r.requestsPerSec === rate)!;
    rows.push({
      ...middle,
      cpuMsPerRequest: median(runs.map(r => r.cpuMsPerRequest)),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      errorsByKind: kindsAdded(runs),
      rounds: runs.map(({requestsPerSec, cpuMsPerRequest}) => ({
        requestsPerSec,
        cpuMsPerRequest,
      })),
    });
  }
  return {rows, requests};
}

/** What logging and tracing cost on one route. */
export interface TelemetryCost extends RatioEstimate {
  /** The fixed rate of every block, requests per second. */
  rate: number;
  /** Each round's CPU per request, on over off. */
  rounds: number[];
  /** The same with every request traced, over off, with its estimate. */
  traced: RatioEstimate & {rounds: number[]};
  /** The median block's CPU per request, ms, in each state. */
  cpuMsPerRequest: Record<TelemetryState, number>;
}

/**
 * What logging and tracing cost: per route, and over every route's rounds,
 * as deployed (`all`) and with every request traced (`traced`).
 */
export interface TelemetryCosts {
  routes: Record<string, TelemetryCost>;
  all: RatioEstimate;
  traced: RatioEstimate;
}

/**
 * What logging and tracing cost: the silent variant's functions switched on
 * (as deployed), to every request traced, and off while they run
 * (bench/switchable-functions.ts), one block of load in each state per
 * round, off in the middle and the other two swapped every round so that
 * drift favours neither. Every block runs at the same fixed rate,
 * half of what ours and silent served at the highest concurrency, so each
 * does the same work per second. The same processes measure both states:
 * two stacks, even of identical code, differ by more than the 5 % sought.
 * Two blocks in the same state still differ, the less the more requests
 * they hold (on the mesh, both silent, standard deviation of their ratio:
 * 0.15 at 72 req/s, 0.08-0.10 at 144-216), so each figure is the geometric
 * mean of its rounds with a 95 % confidence interval; the one over every
 * route's rounds is the tightest (the code measured is the same on every
 * route).
 */
export async function telemetryCost(
  target: Target,
  rows: Row[],
  options: BenchOptions,
  log: Log,
): Promise<TelemetryCosts> {
  const telemetry = target.telemetry;
  if (telemetry === undefined)
    throw new Error(`${target.variant} cannot switch logging and tracing`);
  const c = Math.max(...options.concurrency);
  const served = rows
    .filter(r => r.concurrency === c)
    .filter(r => r.variant === 'ours' || r.variant === target.variant);
  const routes: Record<string, TelemetryCost> = {};
  const block = async (
    scenario: Scenario,
    state: TelemetryState,
    durationS: number,
    rate: number,
  ) => {
    await telemetry.set(target.pids, state);
    const before = targetCpuMs(target);
    const run = await load(target, scenario, c, durationS, rate);
    const cpu = (targetCpuMs(target) - before) / run.requests;
    if (scenario.method !== 'GET') await target.reset();
    return cpu;
  };
  try {
    for (const scenario of SCENARIOS) {
      const rates = served
        .filter(r => r.scenario === scenario.id)
        .map(r => r.requestsPerSec);
      const rate = Math.max(1, Math.round(Math.min(...rates) / 2));
      if (options.runWarmupS > 0)
        for (const state of ['on', 'traced', 'off'] as const)
          await block(scenario, state, options.runWarmupS, rate);
      const cpus: Record<TelemetryState, number[]> = {
        on: [],
        traced: [],
        off: [],
      };
      const rounds: number[] = [];
      const tracedRounds: number[] = [];
      for (let i = 0; i < options.telemetryRounds; i++) {
        const order =
          i % 2 === 0
            ? (['on', 'off', 'traced'] as const)
            : (['traced', 'off', 'on'] as const);
        const cpu: Record<TelemetryState, number> = {on: 0, traced: 0, off: 0};
        for (const state of order) {
          cpu[state] = await block(scenario, state, options.durationS, rate);
          cpus[state].push(cpu[state]);
        }
        rounds.push(round(cpu.on / cpu.off, 3));
        tracedRounds.push(round(cpu.traced / cpu.off, 3));
      }
      const cost = {
        ...ratioEstimate(rounds),
        rate,
        rounds,
        traced: {...ratioEstimate(tracedRounds), rounds: tracedRounds},
        cpuMsPerRequest: {
          on: round(median(cpus.on), 3),
          traced: round(median(cpus.traced), 3),
          off: round(median(cpus.off), 3),
        },
      };
      routes[scenario.id] = cost;
      log(
        `  telemetry ${scenario.id.padEnd(9)} at ${rate} req/s: on/off CPU per request by round ${rounds.join(', ')}: ${cost.ratio} (95 % ${cost.low}–${cost.high}); every request traced ${cost.traced.ratio} (95 % ${cost.traced.low}–${cost.traced.high})`,
      );
    }
  } finally {
    // Back to the variant's own state, silent.
    await telemetry.set(target.pids, 'off');
  }
  const all = ratioEstimate(Object.values(routes).flatMap(r => r.rounds));
  const traced = ratioEstimate(
    Object.values(routes).flatMap(r => r.traced.rounds),
  );
  log(
    `  telemetry every route's ${all.n} rounds: ${all.ratio} (95 % ${all.low}–${all.high}); every request traced ${traced.ratio} (95 % ${traced.low}–${traced.high})`,
  );
  return {routes, all, traced};
}

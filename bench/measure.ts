/**
 * The measured runs: the emulator warmed up first, then every scenario at
 * every concurrency against every target, in rounds, the targets taking
 * turns in a rotating order so that drift over the run favours none of them.
 */
import {load, type LoadResult} from './load';
import type {BenchOptions} from './options';
import {cpuMs, median, round} from './probes';
import {MESH, SCENARIOS} from './scenarios';
import type {Target, VariantId} from './targets';

export interface Row extends LoadResult {
  variant: VariantId;
  scenario: string;
  concurrency: number;
  /** CPU time per request of the target's own processes. */
  cpuMsPerRequest: number;
  /**
   * Each round's figures, in the order they were taken: the targets run
   * back to back within a round, so comparing them round by round cancels
   * the machine's drift between rounds (report.ts).
   */
  rounds?: RoundFigures[];
}

export type RoundFigures = Pick<Row, 'requestsPerSec' | 'cpuMsPerRequest'>;

type Log = (line: string) => void;

/**
 * Warms `target` up: the mesh route in steps until its throughput stops
 * rising (two steps in a row that do not beat the best so far by
 * `risingBy`), then one step of every other route. Every target needs its
 * own: the emulator's JIT takes tens of seconds of load to settle, and so
 * do each target's own processes and its project in the emulator (measured:
 * three identical stacks took four 5 s rounds to converge, from 16 to 5.4 ms
 * of CPU per request, while the one used for a shared warm-up started at 7).
 * Resolves to the mesh steps' req/s, and whether throughput settled in time.
 */
export async function warmUp(
  target: Target,
  options: BenchOptions,
  log: Log,
): Promise<{steps: number[]; settled: boolean}> {
  const {stepS, maxS, risingBy} = options.warmup;
  const c = Math.max(...options.concurrency);
  const steps: number[] = [];
  let best = 0;
  let flat = 0;
  let settled = false;
  for (let spent = 0; spent < maxS && !settled; spent += stepS) {
    const {requestsPerSec} = await load(target.url, MESH, c, stepS);
    steps.push(round(requestsPerSec, 0));
    flat = requestsPerSec < best * (1 + risingBy) ? flat + 1 : 0;
    settled = flat === 2;
    best = Math.max(best, requestsPerSec);
  }
  for (const scenario of SCENARIOS.filter(s => s !== MESH)) {
    await load(target.url, scenario, c, stepS);
    if (scenario.method !== 'GET') await target.reset();
  }
  log(
    `  ${target.variant.padEnd(16)} mesh req/s by ${stepS}s step: ${steps.join(', ')} (${settled ? 'stopped rising' : 'still rising when the warm-up time ran out'})`,
  );
  return {steps, settled};
}

/**
 * CPU ms used so far by the processes that serve `target`. Only those: the
 * identity servers in this process stand in for Google's metadata server,
 * whose cost is Google's, like the front end's.
 */
function targetCpuMs(target: Target): number {
  return target.pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/**
 * Runs every scenario at every concurrency against every target,
 * `options.rounds` times. Each row is the median round by throughput, with
 * the median CPU per request (not necessarily that round's) and every
 * round's figures.
 * Also resolves to the requests sent per target.
 */
export async function measureAll(
  targets: Target[],
  options: BenchOptions,
  log: Log,
): Promise<{rows: Row[]; requests: Record<string, number>}> {
  const requests: Record<string, number> = {};
  const samples = new Map<string, Row[]>();
  let turn = 0;
  for (let roundNo = 1; roundNo <= options.rounds; roundNo++) {
    for (const scenario of SCENARIOS) {
      for (const c of options.concurrency) {
        const order = targets.map(
          (_, i) => targets[(i + turn) % targets.length],
        );
        turn++;
        for (const target of order) {
          if (options.runWarmupS > 0)
            await load(target.url, scenario, c, options.runWarmupS);
          const before = targetCpuMs(target);
          const r = await load(target.url, scenario, c, options.durationS);
          const cpu = targetCpuMs(target) - before;
          if (scenario.method !== 'GET') await target.reset();
          requests[target.variant] =
            (requests[target.variant] ?? 0) + r.requests;
          const row: Row = {
            variant: target.variant,
            scenario: scenario.id,
            concurrency: c,
            ...r,
            cpuMsPerRequest: round(cpu / r.requests, 3),
          };
          const key = `${target.variant}/${scenario.id}/${c}`;
          samples.set(key, [...(samples.get(key) ?? []), row]);
          log(
            `  round ${roundNo} ${scenario.id.padEnd(9)} c=${String(c).padEnd(3)} ${target.variant.padEnd(16)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(4)} ms  cpu ${row.cpuMsPerRequest} ms/req  errors ${r.errors}`,
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
      rounds: runs.map(({requestsPerSec, cpuMsPerRequest}) => ({
        requestsPerSec,
        cpuMsPerRequest,
      })),
    });
  }
  return {rows, requests};
}

/** What logging and tracing cost on one route. */
export interface TelemetryCost {
  /** The fixed rate both variants were loaded at, requests per second. */
  rate: number;
  /** Each round's CPU per request, ours over silent. */
  rounds: number[];
  /** The median round. */
  ratio: number;
}

/**
 * What logging and tracing cost: ours against silent (LOG_LEVEL=silent) on
 * every route, both loaded at the same time at the same fixed rate (a
 * quarter of what the slower of the two served alone at the highest
 * concurrency), round after round. At a fixed rate both do the same work
 * each second, so their CPU per request compares like with like; loaded
 * side by side, both meet the same emulator and the same neighbours. Even
 * so, single rounds on this shared 2-core machine range 15 % and more
 * either way, so a route's figure is the median round; the direct
 * measurement (probes.ts, telemetryCostUs) is the precise one.
 */
export async function telemetryCost(
  ours: Target,
  silent: Target,
  rows: Row[],
  options: BenchOptions,
  log: Log,
): Promise<Record<string, TelemetryCost>> {
  const c = Math.max(...options.concurrency);
  const served = (t: Target, s: string) =>
    rows.find(
      r => r.variant === t.variant && r.scenario === s && r.concurrency === c,
    )?.requestsPerSec ?? 0;
  const result: Record<string, TelemetryCost> = {};
  for (const scenario of SCENARIOS) {
    const rate = Math.max(
      1,
      Math.round(
        Math.min(served(ours, scenario.id), served(silent, scenario.id)) / 4,
      ),
    );
    const both = [ours, silent];
    const rounds: number[] = [];
    for (let i = 0; i < options.telemetryRounds; i++) {
      if (options.runWarmupS > 0)
        await Promise.all(
          both.map(t => load(t.url, scenario, c, options.runWarmupS, rate)),
        );
      const before = both.map(targetCpuMs);
      const runs = await Promise.all(
        both.map(t => load(t.url, scenario, c, options.durationS, rate)),
      );
      const [a, b] = both.map(
        (t, j) => (targetCpuMs(t) - before[j]) / runs[j].requests,
      );
      if (scenario.method !== 'GET')
        await Promise.all(both.map(t => t.reset()));
      rounds.push(round(a / b, 3));
    }
    result[scenario.id] = {rate, rounds, ratio: round(median(rounds), 2)};
    log(
      `  telemetry ${scenario.id.padEnd(9)} at ${rate} req/s each: ours/silent CPU per request by round ${rounds.join(', ')} (median ${result[scenario.id].ratio})`,
    );
  }
  return result;
}

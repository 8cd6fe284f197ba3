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
}

type Log = (line: string) => void;

/**
 * Loads `target` with the mesh route in steps until throughput stops rising:
 * two steps in a row that do not beat the best so far by `risingBy`. The
 * emulator's JIT needs tens of seconds of load before its cost settles.
 * Resolves to each step's req/s, and whether throughput settled before `maxS`.
 */
export async function warmUpEmulator(
  target: Target,
  options: BenchOptions,
  log: Log,
): Promise<{steps: number[]; settled: boolean}> {
  const {stepS, maxS, risingBy} = options.emulatorWarmup;
  const steps: number[] = [];
  let best = 0;
  let flat = 0;
  for (let spent = 0; spent < maxS; spent += stepS) {
    const {requestsPerSec} = await load(
      target.url,
      MESH,
      Math.max(...options.concurrency),
      stepS,
    );
    steps.push(round(requestsPerSec, 0));
    log(`  warm-up ${steps.length}: ${requestsPerSec.toFixed(0)} req/s`);
    flat = requestsPerSec < best * (1 + risingBy) ? flat + 1 : 0;
    if (flat === 2) return {steps, settled: true};
    best = Math.max(best, requestsPerSec);
  }
  return {steps, settled: false};
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
 * `options.rounds` times; each row is the median round by throughput.
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
    rows.push({...middle, errors: runs.reduce((sum, r) => sum + r.errors, 0)});
  }
  return {rows, requests};
}

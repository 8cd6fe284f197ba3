/**
 * The benchmark's settings, from its environment, read once by a pure
 * function. Env: BENCH_SMOKE=1 (a fraction of a second per run, for the test
 * suite), BENCH_DURATION (s per measured run, default 3), BENCH_ROUNDS (3),
 * BENCH_WARMUP_MAX (s each target may take to warm up, default 60),
 * BENCH_TELEMETRY_ROUNDS (rounds of the fixed-rate comparison of logging
 * on and off, default 20), BENCH_OUT (default bench/results/latest.json), BENCH_VARIANTS (a comma
 * list of the variants to run, "ours" among them; default all: a focused
 * comparison, e.g. "ours,silent", takes minutes instead of half an hour).
 */
import * as path from 'node:path';
import {VARIANTS, type VariantId} from './targets';

export interface BenchOptions {
  smoke: boolean;
  /** Seconds of each measured run. */
  durationS: number;
  /** Each figure is the median of this many rounds, taken at different times. */
  rounds: number;
  /** Seconds of load before each measured run, for the target's own JIT. */
  runWarmupS: number;
  /** Each target's warm-up: steps of this many seconds, until throughput stops rising. */
  warmup: {stepS: number; maxS: number; risingBy: number};
  concurrency: number[];
  coldStartSamples: number;
  /** Rounds of logging and tracing switched on and off (telemetryCost). */
  telemetryRounds: number;
  verifyIterations: number;
  /** Requests per run of the logging probe (probes.ts, telemetryCostUs). */
  telemetryIterations: number;
  out: string;
  /** The variants measured, in the order of VARIANTS. */
  variants: VariantId[];
}

/** Parses the benchmark's settings; `root` is the project's folder. */
export function parseBenchOptions(
  env: NodeJS.ProcessEnv,
  root: string,
): BenchOptions {
  const smoke = env.BENCH_SMOKE === '1';
  const num = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number, got "${env[name]}"`);
    return value;
  };
  return {
    smoke,
    durationS: num('BENCH_DURATION', smoke ? 0.3 : 3),
    rounds: smoke ? 1 : num('BENCH_ROUNDS', 3),
    runWarmupS: smoke ? 0 : 1,
    warmup: {
      stepS: smoke ? 0.3 : 5,
      maxS: smoke ? 0.3 : num('BENCH_WARMUP_MAX', 60),
      // A step counts as rising when it beats the best so far by this much.
      risingBy: 0.05,
    },
    concurrency: smoke ? [1] : [1, 32],
    coldStartSamples: smoke ? 1 : 5,
    telemetryRounds: smoke ? 2 : num('BENCH_TELEMETRY_ROUNDS', 20),
    verifyIterations: smoke ? 50 : 500,
    telemetryIterations: smoke ? 200 : 3000,
    out: env.BENCH_OUT ?? path.join(root, 'bench', 'results', 'latest.json'),
    variants: variantsOf(env.BENCH_VARIANTS),
  };
}

/** The variants BENCH_VARIANTS names; every ratio is ours against another. */
function variantsOf(list: string | undefined): VariantId[] {
  if (list === undefined) return VARIANTS;
  const names = list.split(',').map(name => name.trim());
  const unknown = names.filter(n => !VARIANTS.includes(n as VariantId));
  if (unknown.length > 0)
    throw new Error(
      `BENCH_VARIANTS: no variant ${unknown.join(', ')} (there are ${VARIANTS.join(', ')})`,
    );
  if (!names.includes('ours'))
    throw new Error(
      'BENCH_VARIANTS must include ours: every figure compares it',
    );
  return VARIANTS.filter(v => names.includes(v));
}

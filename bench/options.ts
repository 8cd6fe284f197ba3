/**
 * The benchmark's settings, from its environment, read once by a pure
 * function. By default a run answers every target in about fourteen
 * minutes on a 2-core machine: concurrency 16 only, the floors,
 * end-users-off, silent and framework-domain on the mesh route only (what
 * their targets compare), a warm-up of at most 30 s per target, one
 * settling round per route whose figures are dropped, 0.5 s before each
 * measured run, and 3 rounds of the telemetry comparison per route.
 * BENCH_FULL=1 is the long run: every variant (the
 * limit too) on every route at concurrency 1 and 16, warm-ups of up to 60 s,
 * 20 telemetry rounds per route (about 45 minutes).
 *
 * Env: BENCH_SMOKE=1 (a second per run, for the test suite),
 * BENCH_FULL=1, BENCH_DURATION (s per measured run, default 3),
 * BENCH_ROUNDS (3), BENCH_WARMUP_MAX (s each target may take to warm up),
 * BENCH_TELEMETRY_ROUNDS (rounds of the fixed-rate comparison of logging on
 * and off), BENCH_OUT (default bench/results/latest.json), BENCH_VARIANTS (a
 * comma list of the variants to run, "ours" among them: a focused
 * comparison, e.g. "ours,silent").
 */
import * as path from 'node:path';
import {MESH, SCENARIOS} from './scenarios';
import {CPU_DEVICES, VARIANTS, withoutDevice, type VariantId} from './targets';

export interface BenchOptions {
  smoke: boolean;
  /** Reads per client setting in the floor's Firestore probe (probes.ts). */
  firestoreReads: number;
  /** BENCH_FULL=1: every variant on every route, at two concurrencies. */
  full: boolean;
  /** Seconds of each measured run. */
  durationS: number;
  /**
   * Each figure is the median of this many rounds, run one after another
   * (a route's rounds run together: measure.ts).
   */
  rounds: number;
  /**
   * Rounds run before them, as they are, whose figures are dropped: a
   * target's first runs on a route cost more than its next (measure.ts).
   */
  settleRounds: number;
  /** Seconds of load before each measured run, for the target's own JIT. */
  runWarmupS: number;
  /**
   * Each target's warm-up: the mesh route in steps of stepS until
   * throughput stops rising or maxS (every other route warms in its own
   * settling round, measure.ts).
   */
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
  /** The routes each variant is loaded with (scenario ids). */
  routesOf: (variant: VariantId) => string[];
}

/**
 * What the default run loads each variant with: these variants are only
 * compared on the mesh route (the floors, end-users-off, each without a
 * tuning device) or need only its load (framework-domain for memory,
 * silent for its warm-up: its telemetry blocks load every route at a fixed
 * rate).
 */
const MESH_ONLY: VariantId[] = [
  'floor',
  'framework-floor',
  'end-users-off',
  'framework-domain',
  ...CPU_DEVICES.map(withoutDevice),
  'silent',
];

/** Parses the benchmark's settings; `root` is the project's folder. */
export function parseBenchOptions(
  env: NodeJS.ProcessEnv,
  root: string,
): BenchOptions {
  const smoke = env.BENCH_SMOKE === '1';
  const full = !smoke && env.BENCH_FULL === '1';
  const num = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${name} must be a positive number, got "${env[name]}"`);
    return value;
  };
  return {
    smoke,
    full,
    // A smoke run's rounds are at concurrency 1: a second holds enough
    // requests that one stalled answer on a busy machine does not leave a
    // round with none.
    durationS: num('BENCH_DURATION', smoke ? 1 : 3),
    rounds: smoke ? 1 : num('BENCH_ROUNDS', 3),
    settleRounds: smoke ? 0 : 1,
    runWarmupS: smoke ? 0 : full ? 1 : 0.5,
    warmup: {
      stepS: smoke ? 0.3 : 5,
      // The plain floor takes about 30 s of load to settle (its throughput
      // still rising at 10 s): measured before that, every ratio to it
      // flatters ours.
      maxS: smoke ? 0.3 : num('BENCH_WARMUP_MAX', full ? 60 : 30),
      // A step counts as rising when it beats the best so far by this much.
      risingBy: 0.05,
    },
    concurrency: smoke ? [1] : full ? [1, 16] : [16],
    coldStartSamples: smoke ? 1 : 5,
    telemetryRounds: smoke ? 2 : num('BENCH_TELEMETRY_ROUNDS', full ? 20 : 3),
    verifyIterations: smoke ? 50 : 500,
    firestoreReads: smoke ? 100 : full ? 1000 : 500,
    telemetryIterations: smoke ? 200 : 3000,
    out: env.BENCH_OUT ?? path.join(root, 'bench', 'results', 'latest.json'),
    variants: variantsOf(env.BENCH_VARIANTS, full || smoke),
    routesOf: variant =>
      full || smoke || !MESH_ONLY.includes(variant)
        ? SCENARIOS.map(s => s.id)
        : [MESH.id],
  };
}

/** The variants BENCH_VARIANTS names; every ratio is ours against another. */
function variantsOf(list: string | undefined, all: boolean): VariantId[] {
  // The limit (plain forwarding servers) informs, no target reads it.
  if (list === undefined)
    return all ? VARIANTS : VARIANTS.filter(v => v !== 'limit');
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

/**
 * `node build/bench/flush-cost.js [ITERATIONS] [RUNS]`: what each way of
 * losing no span at shutdown costs a request (docs/observability.md), with
 * the telemetry probe in one function's process: spans exported in
 * batches and the rest at SIGTERM (`on`, what the functions do), against
 * every request's spans exported before it answers (`flush`), and neither
 * logging nor tracing (`off`). Prints the median CPU microseconds per
 * request of each, and how long a request waited for its export. The
 * receiver is on this machine: an export to Google's Telemetry API waits
 * a network round trip more.
 */
import {probeRuns} from './probes';
import {median, round} from './stats';

async function main(): Promise<void> {
  const [iterations = '3000', runs = '5'] = process.argv.slice(2);
  const results = await probeRuns(
    'telemetry-probe.js',
    ['off', 'on', 'flush'],
    Number(iterations),
    Number(runs),
  );
  const us = (mode: string) => round(median(results[mode].map(r => r.us)), 1);
  const waited = round(median(results.flush.map(r => r.flushMs ?? 0)), 3);
  process.stdout.write(
    `${JSON.stringify(
      {
        iterations: Number(iterations),
        runs: Number(runs),
        cpuUsPerRequest: {
          off: us('off'),
          batchAndSigterm: us('on'),
          flushEachRequest: us('flush'),
        },
        runsUs: Object.fromEntries(
          Object.entries(results).map(([m, r]) => [
            m,
            r.map(x => round(x.us, 1)),
          ]),
        ),
        exportWaitMsPerRequest: waited,
      },
      null,
      2,
    )}\n`,
  );
}

void main();

/**
 * `node build/bench/call-cost.js [ITERATIONS] [RUNS]`: the client CPU of a
 * call between functions by gaxios as it ships (node-fetch), by
 * functions/common/tuning/http-calls.ts (what the tuned service client
 * runs), and by node:http alone, in the same run, each in processes of its own
 * (call-probe.ts), alternating, against one loopback receiver in this
 * process that answers each call with a small JSON body. Prints the median
 * CPU microseconds per call of each, every run's, and ours against
 * gaxios as a ratio with its 95 % interval (one ratio per run).
 */
import {probeRuns} from './probes';
import {median, ratioEstimate, round} from './stats';

async function main(): Promise<void> {
  const [iterations = '8000', runs = '5'] = process.argv.slice(2);
  const results = await probeRuns(
    'call-probe.js',
    ['gaxios', 'ours', 'http'],
    Number(iterations),
    Number(runs),
  );
  const us = (mode: string) => results[mode].map(r => r.us);
  process.stdout.write(
    `${JSON.stringify(
      {
        iterations: Number(iterations),
        runs: Number(runs),
        cpuUsPerCall: Object.fromEntries(
          Object.keys(results).map(m => [m, round(median(us(m)), 1)]),
        ),
        oursVsGaxios: ratioEstimate(
          us('ours').map((ours, i) => ours / us('gaxios')[i]),
        ),
        runsUs: Object.fromEntries(
          Object.keys(results).map(m => [m, us(m).map(x => round(x, 1))]),
        ),
      },
      null,
      2,
    )}\n`,
  );
}

void main();

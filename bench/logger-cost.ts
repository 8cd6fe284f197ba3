/**
 * `node build/bench/logger-cost.js [ITERATIONS] [RUNS]`: what a request line
 * costs written by this project's logger and by pino with Google's Cloud
 * Logging configuration, in the same run (logger-probe.ts), against
 * writing nothing. Prints the median CPU microseconds per line of each,
 * and every run's.
 */
import {probeRuns} from './probes';
import {median, round} from './stats';

async function main(): Promise<void> {
  const [iterations = '3000', runs = '5'] = process.argv.slice(2);
  const results = await probeRuns(
    'logger-probe.js',
    ['none', 'ours', 'pino'],
    Number(iterations),
    Number(runs),
  );
  const us = (mode: string) => round(median(results[mode].map(r => r.us)), 1);
  process.stdout.write(
    `${JSON.stringify(
      {
        iterations: Number(iterations),
        runs: Number(runs),
        cpuUsPerLine: {none: us('none'), ours: us('ours'), pino: us('pino')},
        runsUs: Object.fromEntries(
          Object.entries(results).map(([m, r]) => [
            m,
            r.map(x => round(x.us, 1)),
          ]),
        ),
      },
      null,
      2,
    )}\n`,
  );
}

void main();

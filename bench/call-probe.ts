/**
 * Benchmark only: one call between functions as the service client's
 * transport makes it, in a process of its own:
 * `node call-probe.js gaxios|ours|http ITERATIONS URL` makes
 * ITERATIONS GET calls to URL, four in flight, through one keep-alive
 * agent, each answer read as text and parsed, then writes to stderr the
 * CPU microseconds per call. `gaxios` is gaxios as it ships (on Node it
 * fetches with node-fetch); `ours` is functions/common's httpCalls, the
 * transport the tuned entry points choose; `http` is node:http alone, the
 * floor.
 */
import {Gaxios} from 'gaxios';
import * as http from 'node:http';
import {transportRequest} from '../functions/common/calls/transport';
import {httpCalls} from '../functions/common/tuning/http-calls';

type Mode = 'gaxios' | 'ours' | 'http';

function caller(mode: Mode, url: string): () => Promise<unknown> {
  const agent = new http.Agent({keepAlive: true});
  // As the service client asks it.
  const options = transportRequest({
    url,
    method: 'GET',
    headers: {},
    signal: new AbortController().signal,
    agent: () => agent,
  });
  if (mode === 'http')
    return () =>
      new Promise((resolve, reject) => {
        http
          .get(url, {agent}, res => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(JSON.parse(body)));
            res.on('error', reject);
          })
          .on('error', reject);
      });
  const transport = mode === 'ours' ? httpCalls : new Gaxios();
  return async () =>
    JSON.parse((await transport.request(options)).data) as unknown;
}

async function run(mode: Mode, iterations: number, url: string) {
  const call = caller(mode, url);
  const round = () => Promise.all([call(), call(), call(), call()]);
  for (let i = 0; i < iterations / 40; i++) await round();
  const before = process.cpuUsage();
  for (let i = 0; i < iterations / 4; i++) await round();
  const used = process.cpuUsage(before);
  return {us: (used.user + used.system) / iterations};
}

if (require.main === module) {
  const [mode, n, url] = process.argv.slice(2);
  void run(mode as Mode, Number(n), url).then(result => {
    process.stderr.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  });
}

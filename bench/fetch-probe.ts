/**
 * Benchmark only: one call between functions as the service client makes
 * it, by gaxios over each fetch, in a process of its own:
 * `node fetch-probe.js node-fetch|ours|http ITERATIONS URL` makes
 * ITERATIONS GET calls to URL, four in flight, through one keep-alive
 * agent, each answer read as text and parsed, then writes to stderr the
 * CPU microseconds per call. `node-fetch` is gaxios as it ships (on Node it
 * fetches with node-fetch); `ours` is gaxios with functions/common's
 * httpFetch, as the service client runs it; `http` is node:http alone, the
 * floor.
 */
import {Gaxios} from 'gaxios';
import * as http from 'node:http';
import {httpFetch} from '../functions/common/tuning/http-fetch';

type Mode = 'node-fetch' | 'ours' | 'http';

function caller(mode: Mode, url: string): () => Promise<unknown> {
  const agent = new http.Agent({keepAlive: true});
  const options = {
    url,
    agent,
    responseType: 'text' as const,
    retry: false,
    validateStatus: () => true,
  };
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
  const gaxios = new Gaxios(
    mode === 'ours' ? {fetchImplementation: httpFetch} : {},
  );
  return async () => JSON.parse((await gaxios.request<string>(options)).data);
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

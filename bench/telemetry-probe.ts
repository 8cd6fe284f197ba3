/**
 * Benchmark only: the CPU time logging and tracing take in one function for
 * one request, measured directly, without the emulator's noise. Run as a
 * child process whose stdout is a pipe its parent reads, as a function's is:
 * `node telemetry-probe.js on|off ITERATIONS` does what a request of the
 * order function does for its trace and its log line (a context from a
 * `traceparent`, a Firestore span, the request line) and writes to stderr
 * the CPU microseconds per request. With `off`, spans are not recorded and
 * the logger is silent, as with LOG_LEVEL=silent.
 */
import {createContext} from '../functions/common/context';
import {logRequest} from '../functions/common/request-log';
import {JsonLogger} from '../functions/common/logger';
import {tracedStore} from '../functions/common/trace';

const store = {list: async () => [] as unknown[]};
const headers = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

async function run(on: boolean, iterations: number): Promise<number> {
  const logger = new JsonLogger('order', on ? 'info' : 'silent');
  const request = async () => {
    const arrivedAt = Date.now();
    const started = performance.now();
    const ctx = createContext(headers, {
      requestTimeoutMs: 15_000,
      recordSpans: on,
    });
    await tracedStore(store, 'orders', ctx).list();
    logRequest(logger, 'bench', {
      method: 'GET',
      path: '/orders/user/user-001',
      status: 200,
      arrivedAt,
      durationMs: performance.now() - started,
      ctx,
      caller: 'caller@bench.iam.gserviceaccount.com',
      auth: {check: 'verify'},
    });
  };
  // A millisecond between requests, as in a function serving a few hundred
  // a second: it waits for the next one with its caches gone cold and the
  // reader of its stdout asleep. Back to back, the same line cost a third
  // as much (12-18 us against 50-60 us here), which is not what a function
  // pays. The pause itself is the same on and off, so the difference is
  // the line's.
  const pause = () => new Promise(r => setTimeout(r, 1));
  for (let i = 0; i < iterations / 10; i++) await request();
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    await request();
    await pause();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

if (require.main === module) {
  const [mode, n] = process.argv.slice(2);
  void run(mode === 'on', Number(n)).then(us =>
    process.stderr.write(`${JSON.stringify({us})}\n`),
  );
}

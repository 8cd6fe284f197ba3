/**
 * Benchmark only: one request line written by this project's logger
 * (functions/common/telemetry/logger.ts) against the same line
 * written by pino configured for Cloud Logging
 * (@google-cloud/pino-logging-gcp-config), each alone in a process whose
 * stdout is a pipe its parent reads, as a function's is.
 * `node logger-probe.js ours|pino|none ITERATIONS` writes ITERATIONS lines, a
 * millisecond apart (as in telemetry-probe.ts), then writes to stderr the
 * CPU microseconds per line; `none` writes nothing, the baseline.
 */
import {createGcpLoggingPinoConfig} from '@google-cloud/pino-logging-gcp-config';
import {pino} from 'pino';
import {JsonLogger} from '../functions/common/telemetry/logger';

type Mode = 'ours' | 'pino' | 'none';

/** The request line's fields, as request-log.ts writes them (trace fields from a span). */
function fields(i: number) {
  return {
    httpRequest: {
      requestMethod: 'GET',
      requestUrl: '/orders/user/user-001',
      status: 200,
      latency: `${(0.0042 + i * 1e-7).toFixed(6)}s`,
    },
    requestId: `0af76519-16cd-43dd-8448-${String(i).padStart(12, '0')}`,
    caller: 'caller@bench.iam.gserviceaccount.com',
    auth: {check: 'platform'},
    endUser: {uid: 'user-001', admin: true},
    access: {rule: 'owner', decision: 'allowed'},
    'logging.googleapis.com/trace':
      'projects/bench/traces/0af7651916cd43dd8448eb211c80319c',
    'logging.googleapis.com/spanId': 'b7ad6b7169203331',
    'logging.googleapis.com/trace_sampled': true,
  };
}

function writer(mode: Mode): (i: number) => void {
  if (mode === 'none') return () => undefined;
  if (mode === 'ours') {
    const logger = new JsonLogger('order', 'info');
    return i => {
      logger.log('INFO', 'GET /orders/user/user-001 200', fields(i));
    };
  }
  const logger = pino(
    createGcpLoggingPinoConfig(
      {
        serviceContext: {service: 'order'},
        traceGoogleCloudProjectId: 'bench',
        inihibitDiagnosticMessage: true,
      },
      {base: {service: 'order'}},
    ),
  );
  return i => logger.info(fields(i), 'GET /orders/user/user-001 200');
}

async function run(mode: Mode, iterations: number): Promise<number> {
  const write = writer(mode);
  const pause = () => new Promise(r => setTimeout(r, 1));
  for (let i = 0; i < iterations / 10; i++) {
    write(i);
    await pause();
  }
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    write(i);
    await pause();
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

if (require.main === module) {
  const [mode, n] = process.argv.slice(2);
  void run(mode as Mode, Number(n)).then(us =>
    process.stderr.write(`${JSON.stringify({us})}\n`),
  );
}

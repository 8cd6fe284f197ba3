/**
 * Benchmark only: the CPU time logging and tracing take in one function for
 * one request, measured directly, without the emulator's noise. Run as a
 * child process whose stdout is a pipe its parent reads, as a function's is:
 * `node telemetry-probe.js MODE ITERATIONS OTLP_URL` does what a request
 * of the order function does for its trace and its log line (its span from
 * a `traceparent`, a Firestore span, the request line, the span's end) and
 * exports the spans over OTLP/HTTP to OTLP_URL, as a function does; then
 * writes to stderr the CPU microseconds per request. With `off`, no span is
 * recorded and the logger is silent, as with LOG_LEVEL=silent. With
 * `flush`, as `on`, but every request's spans are exported before it
 * answers (the other way to lose none at shutdown, docs/observability.md):
 * then also the milliseconds each request waited for its export. With
 * `log` or `trace`, only the request line, or only the spans: what each
 * costs of `on`. With `sdk`, as `off`, plus the same two spans (the same
 * names, kinds, parent and attributes) made and exported by the
 * OpenTelemetry SDK's own parts at their defaults (a TracerProvider, a
 * BatchSpanProcessor, the OTLP/HTTP exporter, the W3C propagator) and none
 * of this project's code, the context passed by hand as the functions
 * pass it (no context manager, which would cost more): the SDK's own
 * share of what `trace` adds to `off`.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  defaultTextMapGetter,
  trace,
} from '@opentelemetry/api';
import {W3CTraceContextPropagator} from '@opentelemetry/core';
import {OTLPTraceExporter} from '@opentelemetry/exporter-trace-otlp-http';
import {resourceFromAttributes} from '@opentelemetry/resources';
import {BatchSpanProcessor, TracerProvider} from '@opentelemetry/sdk-trace';
import {createContext} from '../functions/common/http/context';
import {endRequestSpan, logRequest} from '../functions/common/http/request-log';
import {JsonLogger} from '../functions/common/telemetry/logger';
import {
  createTracing,
  tracedStore,
} from '../functions/common/telemetry/tracing';

const store = {list: async () => [] as unknown[]};
const headers = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

const MODES = ['on', 'off', 'flush', 'log', 'trace', 'sdk'] as const;
export type ProbeMode = (typeof MODES)[number];

/**
 * A request's two spans made with the SDK's own parts only: the caller's
 * context extracted by the W3C propagator, a server span under it, a
 * client span under that, both exported in batches over OTLP/HTTP.
 */
function sdkRequests(endpoint: string): {
  request: () => void;
  flush: () => Promise<void>;
} {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({'service.name': 'order'}),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({url: endpoint}),
      }),
    ],
  });
  const tracer = provider.getTracer('probe');
  const propagator = new W3CTraceContextPropagator();
  return {
    request: () => {
      const caller = propagator.extract(
        ROOT_CONTEXT,
        headers,
        defaultTextMapGetter,
      );
      const span = tracer.startSpan(
        'GET /orders/user/user-001',
        {kind: SpanKind.SERVER},
        caller,
      );
      const child = tracer.startSpan(
        'orders.list',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system.name': 'gcp.firestore',
            'db.operation.name': 'orders.list',
          },
        },
        trace.setSpan(caller, span),
      );
      child.end();
      span.setAttributes({
        'http.request.method': 'GET',
        'url.path': '/orders/user/user-001',
        'http.response.status_code': 200,
        's2s.caller': 'caller@bench.iam.gserviceaccount.com',
        's2s.auth.check': 'verify',
        's2s.end_user': 'anonymous',
      });
      span.end();
    },
    flush: () => provider.forceFlush(),
  };
}

async function run(
  mode: ProbeMode,
  iterations: number,
  endpoint: string,
): Promise<{us: number; flushMs?: number}> {
  const on = mode !== 'off' && mode !== 'sdk';
  const logger = new JsonLogger(
    'order',
    on && mode !== 'trace' ? 'info' : 'silent',
  );
  // The delay a function runs with on Google Cloud (the default).
  const tracing = createTracing({
    service: 'order',
    projectId: 'bench',
    enabled: on && mode !== 'log',
    endpoint,
  });
  const sdk = mode === 'sdk' ? sdkRequests(endpoint) : undefined;
  const flush = sdk?.flush ?? (() => tracing.flush());
  const request = async () => {
    sdk?.request();
    const started = performance.now();
    const ctx = createContext(headers, {
      requestTimeoutMs: 15_000,
      tracer: tracing.tracer,
      name: 'GET /orders/user/user-001',
    });
    await tracedStore(store, 'orders', ctx).list();
    const record = {
      method: 'GET',
      path: '/orders/user/user-001',
      status: 200,
      durationMs: performance.now() - started,
      ctx,
      caller: 'caller@bench.iam.gserviceaccount.com',
      auth: {check: 'verify'},
    };
    logRequest(logger, 'bench', record);
    endRequestSpan(record);
  };
  // A millisecond between requests, as in a function serving a few hundred
  // a second: it waits for the next one with its caches gone cold and the
  // reader of its stdout asleep. Back to back, the same line cost a third
  // as much, which is not what a function pays. The pause itself is the
  // same on and off, so the difference is the line's and the spans'.
  const pause = () => new Promise(r => setTimeout(r, 1));
  let waitedMs = 0;
  const answer = async () => {
    await request();
    if (mode !== 'flush') return;
    const started = performance.now();
    await flush();
    waitedMs += performance.now() - started;
  };
  for (let i = 0; i < iterations / 10; i++) await answer();
  await flush();
  waitedMs = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    await answer();
    await pause();
  }
  // What is still held is exported too: every span's export is counted.
  await flush();
  const used = process.cpuUsage(before);
  return {
    us: (used.user + used.system) / iterations,
    ...(mode === 'flush' && {flushMs: waitedMs / iterations}),
  };
}

if (require.main === module) {
  const [mode, n, endpoint] = process.argv.slice(2);
  const known = MODES.find(m => m === mode);
  if (known === undefined)
    throw new Error(`No probe mode ${mode} (there are ${MODES.join(', ')})`);
  void run(known, Number(n), endpoint).then(result =>
    process.stderr.write(`${JSON.stringify(result)}\n`),
  );
}

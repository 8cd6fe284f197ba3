/**
 * The spans of a request's W3C trace, with OpenTelemetry: each function's
 * span of a request (a server span), each call to another function and
 * each token fetch (client spans), each Firestore operation. The context is
 * passed explicitly, in the request's RequestContext (context.ts): no
 * context manager and no async-context tracking run on a request's path
 * (lifecycle.ts). A span holds names, times, statuses and outcomes only:
 * never a token, a header value or a document body.
 *
 * Spans are exported over OTLP/HTTP (JSON), in batches, to
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: on Google Cloud the Telemetry API,
 * as the function's own service account (identity/access-tokens.ts); locally the
 * console. What is not yet exported is flushed at SIGTERM (lifecycle.ts
 * atShutdown; docs/observability.md says why not at the end of each
 * request).
 */
import {
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {ExportResultCode, type ExportResult} from '@opentelemetry/core';
import {resourceFromAttributes} from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  TracerProvider,
  type Sampler,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type * as ExporterModule from '@opentelemetry/exporter-trace-otlp-http';

export {SpanKind};

/** A function's tracer, and how to send what it holds. */
export interface Tracing {
  tracer: Tracer;
  /** Exports every span ended so far; resolves when that is done (or failed). */
  flush(): Promise<void>;
}

export interface TracingOptions {
  /** The function's name: its spans' `service.name`. */
  service: string;
  projectId: string;
  /** false (LOG_LEVEL=silent): no span is recorded or exported. */
  enabled: boolean;
  /** Where spans are exported over OTLP/HTTP; nowhere without it. */
  endpoint?: string;
  /** How long ended spans wait to be exported together, in ms. */
  exportDelayMs?: number;
  /** Headers for each export (credentials for Google's endpoint). */
  headers?: () => Promise<Record<string, string>>;
  /**
   * Whether the function answers anyone (its first hop): it decides which
   * requests are traced (`ratio`), whatever its caller's `traceparent`
   * says. On Cloud Run the front end's header samples a small share of
   * requests, and on the internet anyone can send one; the functions it
   * calls follow its decision, passed on in its own `traceparent`.
   */
  entry?: boolean;
  /** At an entry, the share of requests traced (0 to 1); 1 when unset. */
  ratio?: number;
  /** On Cloud Run, the service and revision of this instance (config.ts). */
  cloudRun?: {service: string; revision?: string; function?: boolean};
  /**
   * Told of each export the endpoint refused or that failed: without it a
   * missing role or a wrong endpoint loses every span without a word.
   */
  onExportFailure?: (error: Error | undefined) => void;
  /** Where spans go besides the endpoint (tests read them there). */
  processors?: SpanProcessor[];
}

/** A tracer that records nothing, without any global registration. */
const NOT_TRACING: Tracing = {
  tracer: new ProxyTracerProvider().getTracer('off'),
  flush: async () => undefined,
};

/**
 * The tracing of one function. At an entry function, a share of requests
 * (`ratio`) is sampled, drawn per request. Elsewhere a request follows its
 * caller's decision (`traceparent`'s flag), and one without a trace is
 * sampled. A request not sampled keeps its trace id (its log line names
 * it) and records nothing.
 */
export function createTracing(options: TracingOptions): Tracing {
  if (!options.enabled) return NOT_TRACING;
  const processors = [...(options.processors ?? [])];
  if (options.endpoint !== undefined)
    processors.push(
      new BatchSpanProcessor({
        exporter: reporting(
          otlpExporter(options.endpoint, options.headers),
          options.onExportFailure,
        ),
        scheduledDelayMillis: options.exportDelayMs,
      }),
    );
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resourceOf(options)),
    sampler: options.entry
      ? entrySampler(options.ratio ?? 1)
      : new ParentBasedSampler({root: new AlwaysOnSampler()}),
    // A value a caller chose (a path, a refusal's words) stays bounded in
    // memory and within the Telemetry API's limits.
    spanLimits: {attributeValueLengthLimit: 1024},
    spanProcessors: processors,
  });
  return {
    tracer: provider.getTracer('functions-s2s'),
    flush: () => provider.forceFlush(),
  };
}

/**
 * Head sampling at the first hop: each request traced with probability
 * `ratio`, drawn at random rather than read from the trace id (as
 * OpenTelemetry's TraceIdRatioBasedSampler does), since at the entry the
 * trace id may be the caller's: one who chose ids could have every request
 * traced. Spans inside the request (its calls, its Firestore operations)
 * follow the request's span.
 */
export function entrySampler(ratio: number): Sampler {
  const draw: Sampler = {
    shouldSample: () => ({
      decision:
        Math.random() < ratio
          ? SamplingDecision.RECORD_AND_SAMPLED
          : SamplingDecision.NOT_RECORD,
    }),
    toString: () => `EntrySampler{${ratio}}`,
  };
  // The request's span, whose parent is the caller's (remote) or none, is
  // drawn; a span whose parent is the function's own follows it.
  return new ParentBasedSampler({
    root: draw,
    remoteParentSampled: draw,
    remoteParentNotSampled: draw,
  });
}

/**
 * What every span of the function says of where it ran, in OpenTelemetry's
 * resource conventions: the service, the project the Telemetry API files
 * it under, and on Cloud Run the platform, service and revision (what
 * Cloud Trace groups and filters by), named as OpenTelemetry's GCP
 * resource detector names them: a Cloud Run function (FUNCTION_TARGET)
 * is `gcp_cloud_functions`. Its region and instance, which the detector
 * asks the metadata server for, are left out: a call on every start.
 */
export function resourceOf(
  options: Pick<TracingOptions, 'service' | 'projectId' | 'cloudRun'>,
): Attributes {
  const {cloudRun} = options;
  return {
    'service.name': options.service,
    'gcp.project_id': options.projectId,
    ...(cloudRun && {
      'cloud.provider': 'gcp',
      'cloud.platform': cloudRun.function
        ? 'gcp_cloud_functions'
        : 'gcp_cloud_run',
      'cloud.account.id': options.projectId,
      'faas.name': cloudRun.service,
      ...(cloudRun.revision !== undefined && {
        'faas.version': cloudRun.revision,
      }),
    }),
  };
}

/** `exporter`, telling `onFailure` of each export that did not succeed. */
export function reporting(
  exporter: SpanExporter,
  onFailure: TracingOptions['onExportFailure'],
): SpanExporter {
  if (onFailure === undefined) return exporter;
  return {
    export: (spans: ReadableSpan[], done: (result: ExportResult) => void) =>
      exporter.export(spans, result => {
        if (result.code !== ExportResultCode.SUCCESS) onFailure(result.error);
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * The OTLP/HTTP exporter to `url`, loaded by the first export rather than
 * at start: the module, with the HTTP client it pulls in, is most of what
 * tracing would add to a cold start, and the first export comes after the
 * batch's delay (or once a batch is full), so never before the first
 * answer. Its load is then paid by whatever runs that export: a timer, a
 * later request, or the flush at SIGTERM. A module that cannot load fails
 * the export, reported as any failed export is (`reporting`); once shut
 * down, nothing more is sent.
 */
export function otlpExporter(
  url: string,
  headers: TracingOptions['headers'],
  load: () => typeof ExporterModule = () =>
    require('@opentelemetry/exporter-trace-otlp-http') as typeof ExporterModule,
): SpanExporter {
  let loaded: SpanExporter | undefined;
  let shutDown = false;
  return {
    export: (spans, done) => {
      if (shutDown) {
        done({code: ExportResultCode.FAILED, error: new Error('Shut down')});
        return;
      }
      try {
        if (loaded === undefined) {
          const {OTLPTraceExporter} = load();
          loaded = new OTLPTraceExporter({url, ...(headers && {headers})});
        }
      } catch (e: unknown) {
        done({
          code: ExportResultCode.FAILED,
          error: e instanceof Error ? e : new Error(String(e)),
        });
        return;
      }
      loaded.export(spans, done);
    },
    shutdown: () => {
      shutDown = true;
      // Nothing to end or send when nothing was ever exported.
      return loaded?.shutdown() ?? Promise.resolve();
    },
    forceFlush: () => loaded?.forceFlush?.() ?? Promise.resolve(),
  };
}

/** Where a request's spans hang: its tracer and the context of its own span. */
export interface SpanParent {
  tracer: Tracer;
  /** The context holding the request's span: every span it starts is a child. */
  traceContext: Context;
}

/** A span that ends when `work` settles, and what `work` may say of it. */
export interface SpanHandle {
  span: Span;
  /** The HTTP status a call got. */
  setStatus(status: number): void;
}

/**
 * Runs `work` as a child span `name` of the request: `ok` when it
 * resolves, else an error whose type is what `outcomeOf` names
 * ("timeout", "unavailable"; "error" by default).
 */
export async function inSpan<T>(
  parent: SpanParent,
  name: string,
  options: {kind: SpanKind; attributes?: Attributes},
  work: (handle: SpanHandle) => Promise<T>,
  outcomeOf: (error: unknown) => string = () => 'error',
): Promise<T> {
  const span = parent.tracer.startSpan(name, options, parent.traceContext);
  try {
    const result = await work({
      span,
      setStatus: status =>
        span.setAttribute('http.response.status_code', status),
    });
    span.end();
    return result;
  } catch (e: unknown) {
    const outcome = outcomeOf(e);
    span.setAttribute('error.type', outcome);
    span.setStatus({code: SpanStatusCode.ERROR, message: outcome});
    span.end();
    throw e;
  }
}

/** The context `parent` with `span` as the current span. */
export function withSpan(parent: Context, span: Span): Context {
  return trace.setSpan(parent, span);
}

/**
 * Starts this function's span of a request (a server span) under the
 * caller's span in `caller` (propagation.ts extractTrace).
 */
export function startRequestSpan(
  tracer: Tracer,
  name: string,
  caller: Context,
): SpanParent & {span: Span} {
  const span = tracer.startSpan(name, {kind: SpanKind.SERVER}, caller);
  return {span, tracer, traceContext: withSpan(caller, span)};
}

/**
 * `store` as seen by one request: each of its methods a Firestore span of
 * the request ("orders.list"). Only the method's name is kept: never its
 * arguments or results. The parent is passed, not looked up in an async
 * context (see the top of this file).
 */
export function tracedStore<T extends object>(
  store: T,
  label: string,
  parent: SpanParent,
): T {
  if (!trace.getSpan(parent.traceContext)?.isRecording()) return store;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string')
        return value;
      const name = `${label}.${property}`;
      return (...args: unknown[]) =>
        inSpan(
          parent,
          name,
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'db.system.name': 'gcp.firestore',
              'db.operation.name': name,
            },
          },
          () => Promise.resolve(value.apply(target, args)),
        );
    },
  });
}

/**
 * Spans of the W3C trace a request carries (`traceparent`). Each function
 * records its request as a span with its own id and its caller's span as
 * parent; its calls to other functions and to Firestore are child spans.
 * Spans are not exported anywhere: the request's one log line carries them,
 * with Cloud Logging's trace fields, so that on Google Cloud Logs Explorer
 * groups a request's lines by trace and locally the console reads them from
 * the same lines. A span holds names, times and outcomes only: never a
 * token, a header value or a document body.
 */
import {randomFillSync} from 'node:crypto';

export interface TraceContext {
  /** 32 hex digits, shared by every span of the request's trace. */
  traceId: string;
  /** This function's span of the request: 16 hex digits, new per request. */
  spanId: string;
  /** The caller's span, when the request came with a trace. */
  parentSpanId?: string;
  /** The caller's sampling decision (W3C trace-flags bit 0); true for a new trace. */
  sampled: boolean;
}

export type SpanKind = 'call' | 'firestore';

/** A child span: one call to another function or one Firestore operation. */
export interface ChildSpan {
  spanId: string;
  kind: SpanKind;
  /** What was done, e.g. "GET order /orders/user/:id" or "orders.list". */
  name: string;
  startTime: string;
  durationMs: number;
  /** "ok", or what went wrong in a word ("timeout", "unavailable", "error"). */
  outcome: string;
  /** The HTTP status a call got, when it got one. */
  status?: number;
}

/**
 * Where a request's child spans are collected until its log line is
 * written; without `spans` (logging off) nothing is recorded.
 */
export interface SpanSink {
  trace: TraceContext;
  spans?: ChildSpan[];
}

const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
const CLOUD_TRACE = /^([\da-f]{32})(?:\/(\d{1,20}))?(?:;o=([01]))?$/;
const ZERO_TRACE = /^0+$/;

// Ids are cut from a pool of random bytes refilled 4 KiB at a time: one
// call into the system's generator per 256 span ids instead of one each (a
// call each showed as 1.5 % of a function's busy time under load).
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `bytes` random bytes as hex, from the pool. */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/** A new random span id. */
export function newSpanId(): string {
  return randomHex(8);
}

/**
 * The trace of an incoming request: the W3C `traceparent` when well formed,
 * else Google's `X-Cloud-Trace-Context`, else a new trace. Either way the
 * request gets a span id of its own.
 */
export function traceOf(
  traceparent: string | undefined,
  cloudTrace: string | undefined,
): TraceContext {
  const w3c = TRACEPARENT.exec(traceparent?.toLowerCase() ?? '');
  if (w3c && !ZERO_TRACE.test(w3c[1]) && !ZERO_TRACE.test(w3c[2])) {
    return {
      traceId: w3c[1],
      spanId: newSpanId(),
      parentSpanId: w3c[2],
      sampled: (parseInt(w3c[3], 16) & 1) === 1,
    };
  }
  const google = CLOUD_TRACE.exec(cloudTrace?.toLowerCase() ?? '');
  if (google && !ZERO_TRACE.test(google[1])) {
    // Its span id is decimal; a W3C parent id is 16 hex digits.
    const parent =
      google[2] === undefined
        ? undefined
        : BigInt.asUintN(64, BigInt(google[2])).toString(16).padStart(16, '0');
    return {
      traceId: google[1],
      spanId: newSpanId(),
      parentSpanId: parent === '0000000000000000' ? undefined : parent,
      sampled: google[3] !== '0',
    };
  }
  return {
    traceId: randomHex(16),
    spanId: newSpanId(),
    sampled: true,
  };
}

/** The `traceparent` of an outgoing call made as span `spanId`. */
export function traceparentFor(trace: TraceContext, spanId: string): string {
  return `00-${trace.traceId}-${spanId}-${trace.sampled ? '01' : '00'}`;
}

/** Cloud Logging's fields that put a log line under its trace and span. */
export function traceLogFields(
  trace: TraceContext,
  projectId: string,
): Record<string, unknown> {
  return {
    'logging.googleapis.com/trace': `projects/${projectId}/traces/${trace.traceId}`,
    'logging.googleapis.com/spanId': trace.spanId,
    'logging.googleapis.com/trace_sampled': trace.sampled,
  };
}

/**
 * Runs `work` as a child span of `sink`'s request, recording its time and
 * outcome (`outcomeOf` names a failure; a status is kept when the work
 * reports one through `setStatus`).
 */
export async function inSpan<T>(
  sink: SpanSink | undefined,
  kind: SpanKind,
  name: string,
  work: (span: {spanId: string; setStatus(status: number): void}) => Promise<T>,
  outcomeOf: (error: unknown) => string = () => 'error',
): Promise<T> {
  const spanId = newSpanId();
  const spans = sink?.spans;
  if (spans === undefined) return work({spanId, setStatus: () => undefined});
  const startTime = new Date().toISOString();
  const started = performance.now();
  let status: number | undefined;
  const end = (outcome: string) =>
    spans.push({
      spanId,
      kind,
      name,
      startTime,
      durationMs: round(performance.now() - started),
      outcome,
      ...(status === undefined ? {} : {status}),
    });
  try {
    const result = await work({spanId, setStatus: s => (status = s)});
    end('ok');
    return result;
  } catch (e: unknown) {
    end(outcomeOf(e));
    throw e;
  }
}

/** Milliseconds to a tenth: finer is noise here. */
export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * `store` as seen by one request: each of its methods recorded as a
 * Firestore span in `sink` ("orders.list"). Only the method's name is kept:
 * never its arguments or results. The sink is passed, not looked up in an
 * async context: what a request records stays visible in its arguments,
 * and no async-context tracking runs on the request's path (lifecycle.ts).
 */
export function tracedStore<T extends object>(
  store: T,
  label: string,
  sink: SpanSink,
): T {
  if (sink.spans === undefined) return store;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string')
        return value;
      return (...args: unknown[]) =>
        inSpan(sink, 'firestore', `${label}.${property}`, () =>
          Promise.resolve(value.apply(target, args)),
        );
    },
  });
}

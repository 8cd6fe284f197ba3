/**
 * The local Cloud Run front end's request log, as Cloud Run's: one JSON
 * line per request, refused or passed on, each line a span of the caller's
 * trace under the caller's span, or of a trace the front end starts; the
 * function's span of a request it passed on is under the front end's.
 */
import type {
  IncomingHttpHeaders,
  IncomingMessage,
  ServerResponse,
} from 'node:http';
import {trace as otelTrace} from '@opentelemetry/api';
import {RandomIdGenerator} from '@opentelemetry/sdk-trace';
import {extractTrace} from '../functions/common/telemetry/propagation';

/** The front end's span of one request, in the caller's trace or a new one. */
export interface FrontEndSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  sampled: boolean;
}

/** What a request line says of a request: refused, or passed on. */
export interface RequestOutcome {
  severity: string;
  message: string;
  status: number;
  /** How long the request took, when it was passed on (a refusal takes none). */
  ms?: number;
}

const ids = new RandomIdGenerator();

/**
 * The front end's span of a request: under the caller's span when the
 * request carries one, else the start of a trace. Either way the function
 * gets the front end's own span in `traceparent` (and in
 * `X-Cloud-Trace-Context` when the caller sent that), as Google's front end
 * passes its own on: the function's request span hangs under the front
 * end's, and a trace has one root.
 */
export function frontEndSpan(headers: IncomingHttpHeaders): FrontEndSpan {
  const parent = otelTrace.getSpanContext(extractTrace(headers));
  const spanId = ids.generateSpanId();
  const span: FrontEndSpan =
    parent === undefined
      ? {traceId: ids.generateTraceId(), spanId, sampled: true}
      : {
          traceId: parent.traceId,
          spanId,
          parentSpanId: parent.spanId,
          sampled: (parent.traceFlags & 1) === 1,
        };
  headers.traceparent = `00-${span.traceId}-${spanId}-${span.sampled ? '01' : '00'}`;
  if (headers['x-cloud-trace-context'] !== undefined)
    headers['x-cloud-trace-context'] =
      `${span.traceId}/${BigInt(`0x${spanId}`)};o=${span.sampled ? 1 : 0}`;
  return span;
}

/** Cloud Run's outcome of a request passed on to the function. */
export function passedOutcome(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ms: number,
): RequestOutcome {
  // Closed before the answer was all sent: the caller went away (or the
  // function's answer broke off), and the caller got no status at all.
  const status = res.writableFinished ? res.statusCode : 499;
  return {
    severity: status >= 500 ? 'ERROR' : status >= 400 ? 'WARNING' : 'INFO',
    message: `${req.method} ${path} ${status}`,
    status,
    ms,
  };
}

/** One line of the front end's request log, for `service` in `projectId`. */
export function requestLogLine(
  where: {service: string; projectId: string},
  req: IncomingMessage,
  path: string,
  span: FrontEndSpan,
  outcome: RequestOutcome,
  details: Record<string, unknown>,
): string {
  const {severity, message, status, ms} = outcome;
  return JSON.stringify({
    severity,
    message,
    service: where.service,
    component: 'front-end',
    httpRequest: {
      requestMethod: req.method,
      requestUrl: path,
      status,
      ...(ms !== undefined && {latency: `${(ms / 1000).toFixed(3)}s`}),
    },
    ...details,
    'logging.googleapis.com/trace': `projects/${where.projectId}/traces/${span.traceId}`,
    'logging.googleapis.com/spanId': span.spanId,
    'logging.googleapis.com/trace_sampled': span.sampled,
    span: {
      parentSpanId: span.parentSpanId,
      startTime: new Date(Date.now() - (ms ?? 0)).toISOString(),
      durationMs: ms === undefined ? 0 : Math.round(ms * 10) / 10,
    },
  });
}

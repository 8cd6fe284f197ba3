/**
 * The W3C trace context between functions (`traceparent`), through
 * OpenTelemetry's propagator, used as an instance: nothing is registered
 * globally. A request that comes with Google's older
 * `X-Cloud-Trace-Context` only joins that trace, when the header names a
 * span (`TRACE/SPAN;o=1`), sampled only with `o=1`, as Google's own
 * propagator reads it. A function anyone may call (its first hop) keeps a
 * caller's trace id and parent, not its `tracestate`: those entries are
 * for the systems that wrote them, and an outsider's would otherwise ride
 * along on every internal call and every exported span.
 */
import {
  ROOT_CONTEXT,
  trace,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type Context,
} from '@opentelemetry/api';
import {W3CTraceContextPropagator} from '@opentelemetry/core';
import type {IncomingHttpHeaders} from 'node:http';

const propagator = new W3CTraceContextPropagator();
const CLOUD_TRACE = /^([\da-f]{32})\/(\d{1,20})(?:;o=([01]))?$/;

/**
 * The caller's span, as the context to start a request's span in: from
 * `traceparent` when well formed, else from `X-Cloud-Trace-Context`, else
 * none (the request starts a trace).
 */
export function extractTrace(
  headers: IncomingHttpHeaders,
  options: {entry?: boolean} = {},
): Context {
  const w3c = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  if (w3c !== ROOT_CONTEXT) return options.entry ? withoutTraceState(w3c) : w3c;
  const cloud = headers['x-cloud-trace-context'];
  const google = CLOUD_TRACE.exec(
    (Array.isArray(cloud) ? cloud[0] : cloud)?.toLowerCase() ?? '',
  );
  if (google === null) return ROOT_CONTEXT;
  // Its span id is decimal; a W3C parent id is 16 hex digits.
  const parent = BigInt.asUintN(64, BigInt(google[2]))
    .toString(16)
    .padStart(16, '0');
  const traceparent = `00-${google[1]}-${parent}-${google[3] === '1' ? '01' : '00'}`;
  return propagator.extract(ROOT_CONTEXT, {traceparent}, defaultTextMapGetter);
}

function withoutTraceState(context: Context): Context {
  const caller = trace.getSpanContext(context);
  if (caller?.traceState === undefined) return context;
  return trace.setSpanContext(ROOT_CONTEXT, {...caller, traceState: undefined});
}

/** Adds the `traceparent` of `context`'s span to an outgoing call's headers. */
export function injectTrace(
  context: Context,
  headers: Record<string, string>,
): void {
  propagator.inject(context, headers, defaultTextMapSetter);
}

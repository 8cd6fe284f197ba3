/**
 * What one request carries through a function and on to the next hop: its
 * id, its trace, its deadline and the end user it acts for. Built once per
 * request from the incoming headers, then passed explicitly to every
 * downstream call.
 */
import {randomUUID} from 'node:crypto';
import type {IncomingHttpHeaders} from 'node:http';
import {ANONYMOUS, type AccessDecision, type Principal} from './access';
import {
  traceOf,
  type ChildSpan,
  type SpanSink,
  type TraceContext,
} from './trace';

/** Header naming what is left of the caller's time budget, in ms. */
export const BUDGET_HEADER = 'x-request-budget-ms';
export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext extends SpanSink {
  requestId: string;
  /** The request's trace and this function's span of it. */
  trace: TraceContext;
  /** Its calls and Firestore operations so far, logged with the request; absent when nothing is logged. */
  spans?: ChildSpan[];
  /** Epoch ms after which no downstream call is worth starting. */
  deadline: number;
  /** Who the request acts for: anonymous until its route's rule asks. */
  principal: Principal;
  /** Its route's rule and what was decided; set once the route is known. */
  access?: AccessDecision;
  /** The verified end user's Authorization value, passed on to the next hop (setEndUser). */
  [END_USER_AUTHORIZATION]?: string;
}

/**
 * A symbol, not a field: JSON.stringify and object spreads into log lines
 * skip it, so the end user's token cannot end up in a log by accident.
 */
export const END_USER_AUTHORIZATION = Symbol('end-user authorization');

/** Records who the request acts for, and the token that says so for the next hop. */
export function setEndUser(
  ctx: RequestContext,
  principal: Principal,
  authorization?: string,
): void {
  ctx.principal = principal;
  if (authorization !== undefined) ctx[END_USER_AUTHORIZATION] = authorization;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

function header(
  headers: IncomingHttpHeaders,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The trace a request carries (`traceparent`, else `X-Cloud-Trace-Context`,
 * else a new one), with a span of its own for whoever handles it.
 */
export function traceOfHeaders(headers: IncomingHttpHeaders): TraceContext {
  return traceOf(
    header(headers, 'traceparent'),
    header(headers, 'x-cloud-trace-context'),
  );
}

/** The caller's request id when well formed, otherwise a new one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const incoming = header(headers, REQUEST_ID_HEADER);
  return incoming !== undefined && REQUEST_ID.test(incoming)
    ? incoming
    : randomUUID();
}

/**
 * Builds the context of an incoming request. Client-supplied values are
 * kept only when well formed: a bad request id is replaced, a bad trace
 * header starts a new trace, and a budget can only shorten our own timeout.
 */
export function createContext(
  headers: IncomingHttpHeaders,
  options: {requestTimeoutMs: number; now?: number; recordSpans?: boolean},
): RequestContext {
  const now = options.now ?? Date.now();
  const requestId = requestIdOf(headers);

  let budget = options.requestTimeoutMs;
  const incomingBudget = Number(header(headers, BUDGET_HEADER));
  if (Number.isInteger(incomingBudget) && incomingBudget > 0) {
    budget = Math.min(budget, incomingBudget);
  }

  return {
    requestId,
    trace: traceOfHeaders(headers),
    spans: options.recordSpans === false ? undefined : [],
    deadline: now + budget,
    principal: ANONYMOUS,
  };
}

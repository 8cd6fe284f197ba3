/**
 * What one request carries through a function and on to the next hop: its
 * id, its span of the trace, its deadline and the end user it acts for. Built once per
 * request from the incoming headers, then passed explicitly to every
 * downstream call.
 */
import {randomUUID} from 'node:crypto';
import type {IncomingHttpHeaders} from 'node:http';
import type {Span, Tracer} from '@opentelemetry/api';
import {ANONYMOUS, type AccessDecision, type Principal} from './principal';
import {extractTrace} from '../telemetry/propagation';
import {startRequestSpan, type SpanParent} from '../telemetry/tracing';

/** Header naming what is left of the caller's time budget, in ms. */
export const BUDGET_HEADER = 'x-request-budget-ms';
export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext extends SpanParent {
  /**
   * The request's id, the same at every hop: issued by the function anyone
   * may call (its first hop), passed on to the next ones in X-Request-Id.
   */
  requestId: string;
  /**
   * The X-Request-Id a client sent to the first hop, when well formed: kept
   * for the log line only, as the client's own, never as the request's id
   * (two clients may send the same).
   */
  clientRequestId?: string;
  /** This function's span of the request: a child of the caller's span. */
  span: Span;
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

/** The well-formed X-Request-Id of `headers`, if any. */
function requestIdHeader(headers: IncomingHttpHeaders): string | undefined {
  const incoming = header(headers, REQUEST_ID_HEADER);
  return incoming !== undefined && REQUEST_ID.test(incoming)
    ? incoming
    : undefined;
}

/** A new request id, as the first hop issues it. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * The request's id and the client's own: a function anyone may call issues
 * a new id for every request, keeping the client's X-Request-Id aside; an
 * internal one keeps the id its caller passes on.
 */
function requestIdsOf(
  headers: IncomingHttpHeaders,
  entry: boolean,
): Pick<RequestContext, 'requestId' | 'clientRequestId'> {
  const incoming = requestIdHeader(headers);
  if (entry)
    return {
      requestId: newRequestId(),
      ...(incoming !== undefined && {clientRequestId: incoming}),
    };
  return {requestId: incoming ?? newRequestId()};
}

/**
 * A caller that could not be authenticated chose no id: the one it sent is
 * kept as a client's, as at the first hop, and the request gets a new one.
 */
export function distrustRequestId(
  ctx: RequestContext,
  headers: IncomingHttpHeaders,
): void {
  Object.assign(ctx, requestIdsOf(headers, true));
}

/**
 * Builds the context of an incoming request and starts its span, under
 * the caller's. Its id is issued here at the first hop (`entry`) and
 * kept from the caller at the next ones. Client-supplied values are kept
 * only when well formed: a bad request id is replaced (or, at the first
 * hop, not kept as the client's), a bad trace header starts a new trace,
 * and a budget can only shorten our own timeout.
 */
export function createContext(
  headers: IncomingHttpHeaders,
  options: {
    requestTimeoutMs: number;
    tracer: Tracer;
    /** The request's span's name: its method and path. */
    name: string;
    /**
     * Whether anyone may call the function: it then issues the request's
     * id, and drops its caller's `tracestate` (propagation.ts extractTrace).
     */
    entry?: boolean;
    now?: number;
  },
): RequestContext {
  const now = options.now ?? Date.now();

  let budget = options.requestTimeoutMs;
  const incomingBudget = Number(header(headers, BUDGET_HEADER));
  if (Number.isInteger(incomingBudget) && incomingBudget > 0) {
    budget = Math.min(budget, incomingBudget);
  }

  return {
    ...requestIdsOf(headers, options.entry ?? false),
    ...startRequestSpan(
      options.tracer,
      options.name,
      extractTrace(headers, {entry: options.entry}),
    ),
    deadline: now + budget,
    principal: ANONYMOUS,
  };
}

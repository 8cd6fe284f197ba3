/**
 * What one request carries through a function and on to the next hop: its
 * id, its span of the trace, its deadline and the end user it acts for. Built once per
 * request from the incoming headers, then passed explicitly to every
 * downstream call.
 */
import {randomUUID} from 'node:crypto';
import type {IncomingHttpHeaders} from 'node:http';
import type {Span, Tracer} from '@opentelemetry/api';
import {ANONYMOUS, type AccessDecision, type Principal} from './access';
import {extractTrace} from './propagation';
import {startRequestSpan, type SpanParent} from './tracing';

/** Header naming what is left of the caller's time budget, in ms. */
export const BUDGET_HEADER = 'x-request-budget-ms';
export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext extends SpanParent {
  requestId: string;
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

/** The caller's request id when well formed, otherwise a new one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const incoming = header(headers, REQUEST_ID_HEADER);
  return incoming !== undefined && REQUEST_ID.test(incoming)
    ? incoming
    : randomUUID();
}

/**
 * Builds the context of an incoming request and starts its span, under
 * the caller's. Client-supplied values are kept only when well formed: a
 * bad request id is replaced, a bad trace header starts a new trace, and a
 * budget can only shorten our own timeout.
 */
export function createContext(
  headers: IncomingHttpHeaders,
  options: {
    requestTimeoutMs: number;
    tracer: Tracer;
    /** The request's span's name: its method and path. */
    name: string;
    /** Whether anyone may call the function (propagation.ts extractTrace). */
    entry?: boolean;
    now?: number;
  },
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
    ...startRequestSpan(
      options.tracer,
      options.name,
      extractTrace(headers, {entry: options.entry}),
    ),
    deadline: now + budget,
    principal: ANONYMOUS,
  };
}

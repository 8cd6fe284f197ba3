/**
 * What one request carries through a function and on to the next hop: its
 * id, its trace headers and its deadline. Built once per request from the
 * incoming headers, then passed explicitly to every downstream call.
 */
import {randomUUID} from 'node:crypto';
import type {IncomingHttpHeaders} from 'node:http';

/** Header naming what is left of the caller's time budget, in ms. */
export const BUDGET_HEADER = 'x-request-budget-ms';
export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext {
  requestId: string;
  /** Trace headers to forward unchanged on every downstream call. */
  traceHeaders: Record<string, string>;
  /** Cloud Logging's trace field value, when the request is traced. */
  trace?: string;
  /** Epoch ms after which no downstream call is worth starting. */
  deadline: number;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;
const CLOUD_TRACE = /^([\da-f]{32})(\/\d{1,20})?(;o=[01])?$/;

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
 * Builds the context of an incoming request. Client-supplied values are
 * kept only when well formed: a bad request id is replaced, a bad trace
 * header dropped, and a budget can only shorten our own timeout.
 */
export function createContext(
  headers: IncomingHttpHeaders,
  options: {projectId: string; requestTimeoutMs: number; now?: number},
): RequestContext {
  const now = options.now ?? Date.now();
  const requestId = requestIdOf(headers);

  const traceHeaders: Record<string, string> = {};
  let traceId: string | undefined;
  const traceparent = header(headers, 'traceparent')?.toLowerCase();
  const traceparentMatch = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (traceparent && traceparentMatch) {
    traceHeaders.traceparent = traceparent;
    traceId = traceparentMatch[1];
  }
  const cloudTrace = header(headers, 'x-cloud-trace-context');
  const cloudTraceMatch = cloudTrace ? CLOUD_TRACE.exec(cloudTrace) : null;
  if (cloudTrace && cloudTraceMatch) {
    traceHeaders['x-cloud-trace-context'] = cloudTrace;
    traceId ??= cloudTraceMatch[1];
  }

  let budget = options.requestTimeoutMs;
  const incomingBudget = Number(header(headers, BUDGET_HEADER));
  if (Number.isInteger(incomingBudget) && incomingBudget > 0) {
    budget = Math.min(budget, incomingBudget);
  }

  return {
    requestId,
    traceHeaders,
    trace:
      traceId === undefined
        ? undefined
        : `projects/${options.projectId}/traces/${traceId}`,
    deadline: now + budget,
  };
}

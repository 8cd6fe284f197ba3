/**
 * A request's one log line: also its function's span of the trace, with
 * its calls and Firestore operations as child spans.
 */
import {principalLog} from './access';
import type {RequestContext} from './context';
import type {Logger} from './logger';
import {round, traceLogFields} from './trace';

/** What the request line says of one request. */
export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  /** When the request arrived (Date.now()): made ISO only for a line written. */
  arrivedAt: number;
  durationMs: number;
  ctx: RequestContext;
  /** The verified caller, when there was one. */
  caller?: string;
  /** How its token was checked, and why it was refused if it was. */
  auth: {check: string; refused?: string};
}

/**
 * Writes a request's one log line: Cloud Logging's httpRequest and trace
 * fields, the caller and how it was checked, and this function's span with
 * its child spans. With the logger silent nothing of it is built, so
 * LOG_LEVEL=silent takes all of the line's cost away.
 */
export function logRequest(
  logger: Logger,
  projectId: string,
  r: RequestRecord,
): void {
  const severity = r.status >= 500 ? 'ERROR' : 'INFO';
  if (!logger.enabled(severity)) return;
  logger.log(severity, `${r.method} ${r.path} ${r.status}`, {
    httpRequest: {
      requestMethod: r.method,
      requestUrl: r.path,
      status: r.status,
      latency: `${(r.durationMs / 1000).toFixed(6)}s`,
    },
    requestId: r.ctx.requestId,
    caller: r.caller ?? 'anonymous',
    auth: r.auth,
    endUser: principalLog(r.ctx.principal),
    ...(r.ctx.access === undefined ? {} : {access: r.ctx.access}),
    ...traceLogFields(r.ctx.trace, projectId),
    span: {
      parentSpanId: r.ctx.trace.parentSpanId,
      startTime: new Date(r.arrivedAt).toISOString(),
      durationMs: round(r.durationMs),
    },
    spans: r.ctx.spans,
  });
}

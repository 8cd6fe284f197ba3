/**
 * What is kept of a request when it ends: its one log line, with Cloud
 * Logging's fields that put it under its trace and span, and its span
 * (tracing.ts), with the same facts as attributes.
 */
import {SpanStatusCode, TraceFlags, type Attributes} from '@opentelemetry/api';
import {principalLog} from './access';
import type {RequestContext} from './context';
import type {Logger} from '../telemetry/logger';

/** What the request line says of one request. */
export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  ctx: RequestContext;
  /** The verified caller, when there was one. */
  caller?: string;
  /** How its token was checked, and why it was refused if it was. */
  auth: {check: string; refused?: string};
}

/** Cloud Logging's fields that put a log line under its trace and span. */
export function traceLogFields(
  ctx: RequestContext,
  projectId: string,
): Record<string, unknown> {
  const {traceId, spanId, traceFlags} = ctx.span.spanContext();
  return {
    'logging.googleapis.com/trace': `projects/${projectId}/traces/${traceId}`,
    'logging.googleapis.com/spanId': spanId,
    'logging.googleapis.com/trace_sampled':
      (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
  };
}

/**
 * Writes a request's one log line: Cloud Logging's httpRequest and trace
 * fields, the caller and how it was checked, the end user and the access
 * decision. With the logger silent nothing of it is built, so
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
    ...(r.ctx.clientRequestId !== undefined && {
      clientRequestId: r.ctx.clientRequestId,
    }),
    caller: r.caller ?? 'anonymous',
    auth: r.auth,
    endUser: principalLog(r.ctx.principal),
    ...(r.ctx.access === undefined ? {} : {access: r.ctx.access}),
    ...traceLogFields(r.ctx, projectId),
  });
}

/**
 * Ends the request's span with what its line says, as attributes: the
 * HTTP method, path and status (OpenTelemetry's names), and this
 * project's own: the caller, how it was checked, the end user (a uid,
 * never a token or an email) and the access decision.
 */
export function endRequestSpan(r: RequestRecord): void {
  const {span, principal, access} = r.ctx;
  if (!span.isRecording()) return;
  const endUser = principalLog(principal);
  const attributes: Attributes = {
    'http.request.method': r.method,
    'url.path': r.path,
    'http.response.status_code': r.status,
    's2s.caller': r.caller ?? 'anonymous',
    's2s.auth.check': r.auth.check,
  };
  if (r.auth.refused !== undefined)
    attributes['s2s.auth.refused'] = r.auth.refused;
  if (typeof endUser === 'string') attributes['s2s.end_user'] = endUser;
  else {
    attributes['enduser.id'] = endUser.uid;
    attributes['s2s.end_user.admin'] = endUser.admin;
  }
  if (access !== undefined) {
    attributes['s2s.access.rule'] = access.rule;
    attributes['s2s.access.decision'] = access.decision;
    if (access.reason !== undefined)
      attributes['s2s.access.reason'] = access.reason;
  }
  span.setAttributes(attributes);
  if (r.status >= 500) span.setStatus({code: SpanStatusCode.ERROR});
  span.end();
}

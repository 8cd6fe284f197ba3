/**
 * The console as an OTLP/HTTP receiver (`POST /v1/traces`, the JSON
 * encoding): the functions export their spans here, as they do to Google
 * Cloud, and so can anything that speaks OpenTelemetry; spans join their
 * traces by trace id, with the front ends' lines. A span's service is its
 * resource's `service.name`; a server span is a request (its `http.*`
 * attributes give the method, path and status), a span with
 * `db.system.name` (or the older `db.system`) a Firestore call, any other
 * a call. The functions' request spans say more, under `s2s.*`
 * (functions/common/http/request-log.ts): the caller, how it was checked, the
 * end user and the access decision. Every text kept is cut
 * (limits.ts): a span's name, its attributes' values.
 */
import {z} from 'zod';
import {endUserView, whoText} from './end-users';
import {clip} from './limits';
import type {RequestEvent, SpanView} from './traces';

/** An attribute's value: only what the console shows is read. */
const anyValue = z.looseObject({
  stringValue: z.string().optional(),
  intValue: z.union([z.string(), z.number()]).optional(),
  boolValue: z.boolean().optional(),
});
const attributes = z
  .array(z.object({key: z.string(), value: anyValue}))
  .default([]);
/** OTLP's uint64 nanoseconds: a decimal string, or a number. */
const nanos = z.union([z.string().regex(/^\d{1,20}$/), z.number().int()]);

const span = z.object({
  traceId: z.string().regex(/^[\da-f]{32}$/i),
  spanId: z.string().regex(/^[\da-f]{16}$/i),
  parentSpanId: z
    .string()
    .regex(/^([\da-f]{16})?$/i)
    .optional(),
  // A long name is cut, not refused: one span must not lose its batch.
  name: z.string().transform(clip),
  // SPAN_KIND_SERVER is 2, SPAN_KIND_CLIENT 3; the JSON may name it.
  kind: z.union([z.number(), z.string()]).optional(),
  startTimeUnixNano: nanos,
  endTimeUnixNano: nanos,
  attributes,
  status: z
    .object({code: z.union([z.number(), z.string()]).optional()})
    .optional(),
});

/** The body of `POST /v1/traces`, as far as the console reads it. */
export const exportTraceRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({attributes}).optional(),
        scopeSpans: z
          .array(z.object({spans: z.array(span).default([])}))
          .default([]),
      }),
    )
    .default([]),
});

type Attributes = z.infer<typeof attributes>;

/** An attribute's value as text, cut as every text the console keeps. */
function attribute(list: Attributes, key: string): string | undefined {
  const value = list.find(a => a.key === key)?.value;
  if (value === undefined) return undefined;
  const v = value.stringValue ?? value.intValue ?? value.boolValue;
  return v === undefined ? undefined : clip(String(v));
}

const isServer = (kind: unknown) => kind === 2 || kind === 'SPAN_KIND_SERVER';
const isError = (code: unknown) => code === 2 || code === 'STATUS_CODE_ERROR';

/** What a request span says of its caller, end user and access decision. */
function whoOfSpan(
  list: Attributes,
): Pick<SpanView, 'caller' | 'auth' | 'endUser' | 'access'> {
  const view: Pick<SpanView, 'caller' | 'auth' | 'endUser' | 'access'> = {};
  const caller = attribute(list, 's2s.caller');
  if (caller !== undefined) view.caller = caller;
  const check = attribute(list, 's2s.auth.check');
  if (check !== undefined) {
    const refused = attribute(list, 's2s.auth.refused');
    view.auth = {check, ...(refused === undefined ? {} : {refused})};
  }
  const uid = attribute(list, 'enduser.id');
  const endUser = attribute(list, 's2s.end_user');
  if (uid !== undefined)
    view.endUser = endUserView(
      uid,
      attribute(list, 's2s.end_user.admin') === 'true',
    );
  else if (endUser !== undefined) view.endUser = endUser;
  const rule = attribute(list, 's2s.access.rule');
  const decision = attribute(list, 's2s.access.decision');
  if (rule !== undefined && decision !== undefined) {
    const reason = attribute(list, 's2s.access.reason');
    view.access = {rule, decision, ...(reason === undefined ? {} : {reason})};
  }
  return view;
}

/** One exported span, and the request event a server span makes. */
export interface ReceivedSpan {
  traceId: string;
  span: SpanView;
  /** For a server span: the live list's row. */
  event?: RequestEvent;
}

/** The spans of an export request, as the console keeps them. */
export function spansOfExport(
  body: z.infer<typeof exportTraceRequest>,
): ReceivedSpan[] {
  return body.resourceSpans.flatMap(({resource, scopeSpans}) => {
    const service =
      attribute(resource?.attributes ?? [], 'service.name') ?? 'unknown';
    return scopeSpans.flatMap(({spans}) =>
      spans.map(s => {
        const startMs = Number(BigInt(s.startTimeUnixNano) / 1_000_000n);
        const durationMs =
          Number(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano)) / 1e6;
        const statusText =
          attribute(s.attributes, 'http.response.status_code') ??
          attribute(s.attributes, 'http.status_code');
        const status =
          statusText === undefined ? undefined : Number(statusText);
        const traceId = s.traceId.toLowerCase();
        const server = isServer(s.kind);
        const view: SpanView = {
          spanId: s.spanId.toLowerCase(),
          ...(s.parentSpanId
            ? {parentSpanId: s.parentSpanId.toLowerCase()}
            : {}),
          service,
          kind: server
            ? 'request'
            : (attribute(s.attributes, 'db.system.name') ??
                  attribute(s.attributes, 'db.system')) !== undefined
              ? 'firestore'
              : 'call',
          name: s.name,
          ...(Number.isInteger(status) ? {status} : {}),
          // A call's or an operation's outcome: what went wrong in a word
          // (error.type), "error" when only its status says so, else "ok".
          ...(server
            ? whoOfSpan(s.attributes)
            : {
                outcome:
                  attribute(s.attributes, 'error.type') ??
                  (isError(s.status?.code) ? 'error' : 'ok'),
              }),
          startTime: new Date(startMs).toISOString(),
          durationMs: Math.round(durationMs * 10) / 10,
        };
        if (!isServer(s.kind)) return {traceId, span: view};
        const [method = '', path = ''] = s.name.split(' ');
        const event: RequestEvent = {
          traceId,
          spanId: view.spanId,
          service,
          method: attribute(s.attributes, 'http.request.method') ?? method,
          path: attribute(s.attributes, 'url.path') ?? path,
          status: view.status ?? 0,
          durationMs: view.durationMs,
          caller: view.caller ?? 'anonymous',
          // The end user, then the caller, as the stack's readable lines say it.
          who: whoText(view.caller, view.endUser),
          ...(view.auth?.refused === undefined
            ? {}
            : {refused: view.auth.refused}),
          time: view.startTime,
        };
        return {traceId, span: view, event};
      }),
    );
  });
}

/**
 * The console's memory: the spans of recent traces, which the functions
 * (and anything else) export to it over OTLP (otlp.ts), and those the
 * stack's front ends write in their log lines (refusals, and requests
 * passed on), as Cloud Run's request log has them.
 */

import {endUserView, whoText, type EndUserView} from './end-users';
import {
  clip,
  MAX_LINE_CHARS,
  MAX_SPANS,
  MAX_SPANS_PER_TRACE,
  MAX_TRACES,
} from './limits';

/** One span of a trace, as the console's API serves it. */
export interface SpanView {
  spanId: string;
  parentSpanId?: string;
  /** The function (or "<function> front end") the span belongs to. */
  service: string;
  /**
   * request: a function's handling of a request; refused: a front end's
   * refusal; front-end: a request a front end passed on, as the caller got it.
   */
  kind: 'request' | 'refused' | 'front-end' | 'call' | 'firestore';
  name: string;
  status?: number;
  /** "ok", or what went wrong, for calls and Firestore operations. */
  outcome?: string;
  startTime: string;
  durationMs: number;
  /** Who called: the verified service account, or "anonymous". */
  caller?: string;
  /** How the caller's token was checked, and why it was refused if it was. */
  auth?: {check: string; refused?: string};
  /** Who the request acted for: a uid, whether admin and what is known of the account (end-users.ts), "anonymous" or "unchecked"; never a token or an email. */
  endUser?: EndUserView | string;
  /** The route's rule and the authorization decision, with why when refused. */
  access?: {rule: string; decision: string; reason?: string};
}

export interface TraceSummary {
  traceId: string;
  method: string;
  path: string;
  status?: number;
  durationMs: number;
  spanCount: number;
  startTime: string;
}

/** One request as the live list shows it. */
export interface RequestEvent {
  traceId: string;
  spanId: string;
  service: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  caller: string;
  /** The end user, then the caller (end-users.ts whoText): what the list shows. */
  who: string;
  refused?: string;
  time: string;
}

interface LogEntry {
  service?: unknown;
  component?: unknown;
  passed?: unknown;
  message?: unknown;
  caller?: unknown;
  auth?: {check?: unknown; refused?: unknown};
  endUser?: unknown;
  access?: {rule?: unknown; decision?: unknown; reason?: unknown};
  httpRequest?: {
    requestMethod?: unknown;
    requestUrl?: unknown;
    status?: unknown;
  };
  'logging.googleapis.com/trace'?: unknown;
  'logging.googleapis.com/spanId'?: unknown;
  span?: {parentSpanId?: unknown; startTime?: unknown; durationMs?: unknown};
}

/** A line's text field, cut as every text the console keeps. */
const str = (v: unknown) => (typeof v === 'string' ? clip(v) : undefined);
/** A trace id as the console keeps it: 32 hex digits, lower case. */
export const TRACE_ID = /^[\da-f]{32}$/;
const SPAN_ID = /^[\da-f]{16}$/;
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** The end user and the access decision of a function's request line, as far as it names them. */
function endUserOf(entry: LogEntry): Pick<SpanView, 'endUser' | 'access'> {
  const view: Pick<SpanView, 'endUser' | 'access'> = {};
  const user = entry.endUser as {uid?: unknown; admin?: unknown} | undefined;
  if (typeof entry.endUser === 'string') view.endUser = entry.endUser;
  else if (str(user?.uid) !== undefined)
    view.endUser = endUserView(str(user?.uid)!, user?.admin === true);
  const rule = str(entry.access?.rule);
  const decision = str(entry.access?.decision);
  if (rule !== undefined && decision !== undefined) {
    const reason = str(entry.access?.reason);
    view.access = {rule, decision, ...(reason === undefined ? {} : {reason})};
  }
  return view;
}

/**
 * The request (or refusal) a front end's log line records, as a span;
 * undefined for any other line (a function's request line among them: its
 * span is exported, otlp.ts). `listed`: whether the live list shows it (a
 * front end's line of a request it passed on only when the caller got no
 * answer of the function's: 499, or 5xx).
 */
export function spansOfLine(
  line: string,
): {event: RequestEvent; spans: SpanView[]; listed: boolean} | undefined {
  let entry: LogEntry;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  const traceId = str(entry?.['logging.googleapis.com/trace'])
    ?.split('/')
    .pop();
  const spanId = str(entry?.['logging.googleapis.com/spanId']);
  const http = entry?.httpRequest;
  if (!traceId || !spanId || !http || !entry.span) return undefined;
  if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return undefined;
  const atFrontEnd = entry.component === 'front-end';
  const passed = atFrontEnd && entry.passed === true;
  const refused = atFrontEnd && !passed;
  const service = clip(
    `${str(entry.service) ?? '?'}${atFrontEnd ? ' front end' : ''}`,
  );
  const method = str(http.requestMethod) ?? '?';
  const path = str(http.requestUrl) ?? '?';
  const status = num(http.status) ?? 0;
  const startTime = str(entry.span.startTime) ?? new Date().toISOString();
  const durationMs = num(entry.span.durationMs) ?? 0;
  const authRefused = refused ? str(entry.message) : str(entry.auth?.refused);
  const caller = refused
    ? str(entry.caller)
    : (str(entry.caller) ?? 'anonymous');
  const kind = passed ? 'front-end' : refused ? 'refused' : 'request';
  const who = endUserOf(entry);
  const root: SpanView = {
    spanId,
    parentSpanId: str(entry.span.parentSpanId),
    service,
    kind,
    name: clip(`${method} ${path}`),
    status,
    startTime,
    durationMs,
    caller,
    auth: {
      check: atFrontEnd ? 'front end' : (str(entry.auth?.check) ?? 'none'),
      ...(authRefused === undefined ? {} : {refused: authRefused}),
    },
    ...who,
  };
  return {
    event: {
      traceId,
      spanId,
      service,
      method,
      path,
      status,
      durationMs,
      caller: caller ?? 'unknown',
      who: whoText(str(entry.caller), who.endUser),
      ...(authRefused === undefined ? {} : {refused: authRefused}),
      time: startTime,
    },
    spans: [root],
    listed: !passed || status >= 499,
  };
}

/**
 * What the platform did to an instance, as Cloud Run's own log lines say it
 * (ended over its memory limit, exited and replaced): not a request, but
 * the first thing to see when requests start failing.
 */
export interface Notice {
  time: string;
  service: string;
  severity: string;
  message: string;
}

/**
 * Recent traces, the oldest forgotten first, and the platform's notices:
 * at most `limit` traces (and as many requests in the live list) and
 * `maxSpans` spans in all (limits.ts).
 */
export class TraceStore {
  private readonly traces = new Map<string, SpanView[]>();
  /** The spans of all traces kept. */
  private spanCount = 0;
  private readonly listeners = new Set<(event: RequestEvent) => void>();
  private readonly noticeListeners = new Set<(notice: Notice) => void>();
  readonly recent: RequestEvent[] = [];
  readonly notices: Notice[] = [];

  constructor(
    private readonly limit = MAX_TRACES,
    private readonly maxSpans = MAX_SPANS,
  ) {}

  /**
   * Takes one log line of any source; lines that record no request are
   * ignored, and so are lines longer than any the front ends write.
   */
  ingest(line: string): void {
    if (line.length > MAX_LINE_CHARS) return;
    const found = spansOfLine(line);
    if (found === undefined) return;
    const {event, spans, listed} = found;
    this.add(event.traceId, spans, listed ? event : undefined);
  }

  /**
   * Adds `spans` to the trace `traceId` (exported over OTLP, or read from a
   * line), and `event` to the live list when there is one.
   */
  add(traceId: string, spans: SpanView[], event?: RequestEvent): void {
    // Re-inserted so that the map's order is the order of last activity.
    const known = this.traces.get(traceId) ?? [];
    this.traces.delete(traceId);
    // A trace holds at most MAX_SPANS_PER_TRACE: a sender that reuses one
    // trace id cannot grow it without end.
    const taken = spans.slice(0, MAX_SPANS_PER_TRACE - known.length);
    known.push(...taken);
    this.spanCount += taken.length;
    this.traces.set(traceId, known);
    // Nor can one that sends many traces, or many spans in each.
    while (this.traces.size > this.limit || this.spanCount > this.maxSpans) {
      const oldest = this.traces.keys().next().value as string;
      this.spanCount -= this.traces.get(oldest)!.length;
      this.traces.delete(oldest);
    }
    if (event === undefined) return;
    this.recent.push(event);
    if (this.recent.length > this.limit) this.recent.shift();
    for (const listener of this.listeners) listener(event);
  }

  /** Keeps a notice of the platform's and tells the listeners. */
  notice(notice: Notice): void {
    this.notices.push(notice);
    if (this.notices.length > 100) this.notices.shift();
    for (const listener of this.noticeListeners) listener(notice);
  }

  /** Calls `listener` with every notice from now on; returns how to stop. */
  subscribeNotices(listener: (notice: Notice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Calls `listener` with every request from now on; returns how to stop. */
  subscribe(listener: (event: RequestEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The newest traces first. */
  list(limit: number): TraceSummary[] {
    return [...this.traces.keys()]
      .reverse()
      .slice(0, limit)
      .map(id => this.summary(id));
  }

  get(traceId: string): {traceId: string; spans: SpanView[]} | undefined {
    const spans = this.traces.get(traceId);
    if (spans === undefined) return undefined;
    return {
      traceId,
      spans: [...spans].sort((a, b) => a.startTime.localeCompare(b.startTime)),
    };
  }

  private summary(traceId: string): TraceSummary {
    const spans = this.traces.get(traceId) ?? [];
    const ids = new Set(spans.map(s => s.spanId));
    // The root: the first span whose parent is not in the trace (the
    // caller outside the stack, or none): a request, a front end's refusal,
    // or the front end that started the trace and passed it on.
    const root =
      spans.find(
        s =>
          (s.kind === 'request' ||
            s.kind === 'refused' ||
            s.kind === 'front-end') &&
          (s.parentSpanId === undefined || !ids.has(s.parentSpanId)),
      ) ?? spans[0];
    const [method, ...path] = root.name.split(' ');
    return {
      traceId,
      method,
      path: path.join(' '),
      status: root.status,
      durationMs: root.durationMs,
      spanCount: spans.length,
      startTime: root.startTime,
    };
  }
}

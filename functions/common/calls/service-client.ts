/**
 * The one HTTP client for calls between functions. Every call carries the
 * caller's ID token for the callee's URL in X-Serverless-Authorization
 * (the header Cloud Run checks when it is there), the end user's token
 * unchanged in Authorization (for the callee to check again), the request
 * id, its own span of the request's trace (`traceparent`), and what is left
 * of the request's time budget; runs over keep-alive connections; is
 * retried with backoff only when that is safe; parses the answer's body
 * with the callee's contract before the caller sees it; and
 * fails with a DownstreamError that says what went wrong without saying
 * where.
 */
import type * as GaxiosModule from 'gaxios';
import type {z} from 'zod';
import * as http from 'node:http';
import * as https from 'node:https';
import {
  BUDGET_HEADER,
  END_USER_AUTHORIZATION,
  REQUEST_ID_HEADER,
  type RequestContext,
} from '../http/context';
import type {IdTokenSource} from './id-tokens';
import {
  CONNECTION_ERRORS,
  errorCode,
  mayRetry,
  NoInstance,
  parseJson,
  statusFailure,
} from './call-failures';
import {DownstreamError} from '../protocol/problem';
import {injectTrace} from '../telemetry/propagation';
import {
  chosenTransport,
  transportRequest,
  type AnswerHeaders,
  type CallTransport,
} from './transport';
import {givenOrOnFirstUse, onFirstUse} from '../platform/lazy';
import {
  inSpan,
  SpanKind,
  withSpan,
  type SpanHandle,
} from '../telemetry/tracing';

export type CallMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Call {
  method: CallMethod;
  /** Path segments; each is percent-encoded here, so an id can never become a path. */
  path: string[];
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ServiceReply<T> {
  status: number;
  data: T;
  /** The callee's headers (Idempotent-Replayed, for one). */
  headers: AnswerHeaders;
}

/**
 * What routes depend on: a way to call one other function. `answer` is the
 * schema of the callee's 2xx answer, from the callee's contract: the reply
 * holds the answer as parsed.
 */
export interface ServiceCaller {
  call<S extends z.ZodType>(
    ctx: RequestContext,
    call: Call,
    answer: S,
  ): Promise<ServiceReply<z.infer<S>>>;
}

export interface ServiceClientOptions {
  /** The callee's name, as clients may see it in errors ("user"). */
  service: string;
  /** The callee's base URL: where calls go and the audience of their tokens. */
  baseUrl: string;
  /** Omitted when authentication is off. */
  tokens?: IdTokenSource;
  timeoutMs: number;
  retries: number;
  /** The entry's choice (calls/transport.ts) by default, else gaxios as it ships. */
  transport?: CallTransport;
  /** Keep-alive by default; the benchmark's naive client passes its own. */
  agent?: (url: URL) => http.Agent;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Where our own identity goes. Cloud Run's front end checks this header
 * instead of Authorization when both are sent (and strips its signature),
 * leaving Authorization to carry the end user's token through untouched.
 */
export const SERVICE_AUTHORIZATION = 'x-serverless-authorization';

const keepAliveHttp = new http.Agent({keepAlive: true});
const keepAliveHttps = new https.Agent({keepAlive: true});
/** Keep-alive agents shared by every client in the process. */
export const keepAliveAgent = (url: URL): http.Agent =>
  url.protocol === 'https:' ? keepAliveHttps : keepAliveHttp;

const BACKOFF_BASE_MS = 50;

/**
 * gaxios, loaded by the first call, not at start: a new instance answers
 * its health check without it (google-auth-library is loaded the same
 * way, identity/google-auth.ts).
 */
const gaxios = onFirstUse(() => require('gaxios') as typeof GaxiosModule);

export class ServiceClient implements ServiceCaller {
  private readonly baseUrl: string;
  /** Where calls go, as a span names it. */
  private readonly server: {address: string; port: number};
  private readonly transport: () => CallTransport;
  private readonly agent: (url: URL) => http.Agent;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ServiceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const base = new URL(this.baseUrl);
    this.server = {
      address: base.hostname,
      port: Number(base.port) || (base.protocol === 'https:' ? 443 : 80),
    };
    this.transport = givenOrOnFirstUse(
      options.transport ?? chosenTransport(),
      () => new (gaxios().Gaxios)(),
    );
    this.agent = options.agent ?? keepAliveAgent;
    this.sleep = options.sleep ?? (ms => new Promise(r => setTimeout(r, ms)));
  }

  /**
   * Makes one call (with its retries) and resolves to a 2xx answer.
   *
   * The retries are this loop's, not gaxios's retryConfig: every attempt
   * needs its own budget header and timeout (what is left of the request's
   * budget, which shrinks between attempts), the current token from the
   * cache, and a backoff that gives up once it would outlast the deadline;
   * gaxios repeats one request config with fixed headers and timeout. So
   * gaxios makes single requests here (`retry: false`).
   */
  async call<S extends z.ZodType>(
    ctx: RequestContext,
    call: Call,
    answer: S,
  ): Promise<ServiceReply<z.infer<S>>> {
    const {service} = this.options;
    const url = this.url(call);
    const idempotent =
      call.method === 'GET' ||
      call.method === 'DELETE' ||
      call.headers?.['idempotency-key'] !== undefined;
    const attempts = 1 + this.options.retries;

    // The method and the callee: a name that stays one of a few (the ids a
    // path holds are in its URL, an attribute), where OpenTelemetry's own
    // `{method} {url.template}` would need a template the call does not
    // carry; the callee's request span names the route.
    const name = `${call.method} ${service}`;
    const attributes = {
      'http.request.method': call.method,
      'server.address': this.server.address,
      'server.port': this.server.port,
      // Without the query: its values are a caller's input.
      'url.full': url.split('?', 1)[0],
    };
    for (let attempt = 1; ; attempt++) {
      const remaining = ctx.deadline - Date.now();
      if (remaining <= 0) throw new DownstreamError(service, 'timeout');
      // The callee gets as long as this attempt will wait for it, no longer:
      // past that nobody is left to take its answer.
      const attemptMs = Math.min(this.options.timeoutMs, remaining);
      let failure: DownstreamError;
      try {
        // Each attempt is a span of its own: the callee's span names it as parent.
        return await inSpan(
          ctx,
          name,
          {
            kind: SpanKind.CLIENT,
            attributes:
              attempt === 1
                ? attributes
                : {...attributes, 'http.request.resend_count': attempt - 1},
          },
          span => this.attempt(ctx, call, answer, url, attemptMs, span),
          e => (e instanceof DownstreamError ? e.failure : 'error'),
        );
      } catch (e: unknown) {
        if (!(e instanceof DownstreamError) || !mayRetry(e, idempotent))
          throw e;
        failure = e;
      }
      // The callee's Retry-After when it gave one, our backoff otherwise.
      const backoff = Math.max(
        BACKOFF_BASE_MS * 2 ** (attempt - 1) * (1 + Math.random() / 2),
        failure instanceof NoInstance ? failure.retryAfterMs : 0,
      );
      if (attempt >= attempts || Date.now() + backoff >= ctx.deadline)
        throw failure;
      await this.sleep(backoff);
    }
  }

  /** One request; resolves to a 2xx answer or throws a DownstreamError. */
  private async attempt<S extends z.ZodType>(
    ctx: RequestContext,
    call: Call,
    answer: S,
    url: string,
    attemptMs: number,
    span: SpanHandle,
  ): Promise<ServiceReply<z.infer<S>>> {
    const {service} = this.options;
    const headers: Record<string, string> = {
      ...call.headers,
      [REQUEST_ID_HEADER]: ctx.requestId,
      [BUDGET_HEADER]: String(attemptMs),
    };
    if (call.body !== undefined) headers['content-type'] ??= 'application/json';
    const attempt = withSpan(ctx.traceContext, span.span);
    injectTrace(attempt, headers);
    const endUser = ctx[END_USER_AUTHORIZATION];
    if (endUser !== undefined) headers.authorization = endUser;
    if (this.options.tokens) {
      try {
        headers[SERVICE_AUTHORIZATION] =
          await this.options.tokens.authorization(this.baseUrl, {
            tracer: ctx.tracer,
            traceContext: attempt,
          });
      } catch (e: unknown) {
        // Without our own identity the call cannot be made; nothing the
        // client did, and nothing about the callee to tell.
        throw new DownstreamError(service, 'failed', undefined, undefined, e);
      }
    }

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), attemptMs);
    try {
      const res = await this.transport().request(
        transportRequest({
          url,
          method: call.method,
          headers,
          data: call.body === undefined ? undefined : JSON.stringify(call.body),
          signal: abort.signal,
          agent: this.agent,
        }),
      );
      span.setStatus(res.status);
      const body = parseJson(res.data);
      if (res.status < 200 || res.status >= 300)
        throw statusFailure(service, res.status, body, res.headers);
      if (body === undefined)
        throw new DownstreamError(service, 'failed', res.status);
      const parsed = answer.safeParse(body);
      if (!parsed.success)
        throw new DownstreamError(
          service,
          'malformed',
          res.status,
          undefined,
          parsed.error,
        );
      return {
        status: res.status,
        data: parsed.data,
        headers: res.headers,
      };
    } catch (e: unknown) {
      if (e instanceof DownstreamError) throw e;
      if (abort.signal.aborted) throw new DownstreamError(service, 'timeout');
      const code = errorCode(e);
      throw new DownstreamError(
        service,
        code !== undefined && CONNECTION_ERRORS.has(code)
          ? 'unavailable'
          : 'failed',
        undefined,
        undefined,
        e,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private url(call: Call): string {
    const path = call.path.map(encodeURIComponent).join('/');
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) query.set(key, value);
    }
    const qs = query.toString();
    return `${this.baseUrl}/${path}${qs ? `?${qs}` : ''}`;
  }
}

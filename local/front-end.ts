/**
 * A local stand-in for Cloud Run's front end: what stands between a caller
 * and a function on Google Cloud, driven by the function's entry in
 * topology.json. In order:
 *
 * 1. ingress: a function whose ingress is not "all" answers 404 to anything
 *    that did not come through the VPC connector, before any token is read;
 * 2. the IAM invoker check, unless the function allows unauthenticated
 *    calls: no token 403, a token that does not verify (signature, expiry,
 *    issuer, audience = the function's URL) 401, a valid token whose account
 *    has no invoker binding on this function 403;
 * 3. the checked token's signature is replaced with
 *    SIGNATURE_REMOVED_BY_GOOGLE, and the request goes on to the function.
 *
 * Refusals are Google's plain HTML pages, logged as one JSON line each.
 * Every request passed on gets a line too, as in Cloud Run's request log:
 * the status the caller got (499 when the caller hung up before the
 * answer), the latency, and the caller the front end verified.
 */
import {
  Agent,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import {TokenVerifier} from '../functions/common/auth/verifier';
import {UnauthorizedError} from '../functions/common/problem';
import {trace as otelTrace} from '@opentelemetry/api';
import {RandomIdGenerator} from '@opentelemetry/sdk-trace';
import {extractTrace} from '../functions/common/propagation';
import {sendGooglePage} from './google-pages';

export type Ingress = 'all' | 'internal-only' | 'internal-and-gclb';

/** Where a request came from, as far as ingress is concerned. */
export type Origin = 'internet' | 'vpc';

export interface FrontEndOptions {
  /** The function's name. */
  service: string;
  /** The URL callers use: also the audience their tokens must carry. */
  url: string;
  /** Where the function itself listens. */
  functionUrl: string;
  ingress: Ingress;
  allowUnauthenticated: boolean;
  /** Service account emails holding roles/run.invoker on this function. */
  invokers: string[];
  issuer: string;
  certsUrl: string;
  /** The project, for the trace field of the log lines. */
  projectId: string;
  /** Receives one JSON line per request: refused, or passed on. */
  log: (line: string) => void;
  /**
   * Requests the function may have in flight (its max instances × their
   * concurrency); beyond it, 429. Unlimited when absent.
   */
  capacity?: number;
}

/** The front end's span of one request, in the caller's trace or a new one. */
interface FrontEndSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  sampled: boolean;
}

const ids = new RandomIdGenerator();

/**
 * The front end's span of a request: under the caller's span when the
 * request carries one; otherwise it starts the trace, and the function
 * gets it in `traceparent` (as Google's front end passes its own), so that
 * the request and its refusal or its hop are one trace, not two.
 */
function frontEndSpan(headers: IncomingHttpHeaders): FrontEndSpan {
  const parent = otelTrace.getSpanContext(extractTrace(headers));
  const spanId = ids.generateSpanId();
  if (parent === undefined) {
    const traceId = ids.generateTraceId();
    headers.traceparent = `00-${traceId}-${spanId}-01`;
    return {traceId, spanId, sampled: true};
  }
  return {
    traceId: parent.traceId,
    spanId,
    parentSpanId: parent.spanId,
    sampled: (parent.traceFlags & 1) === 1,
  };
}

export const SIGNATURE_REMOVED = 'SIGNATURE_REMOVED_BY_GOOGLE';
const SERVERLESS_AUTHORIZATION = 'x-serverless-authorization';
// Meant for one connection only; never passed on.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
];

export class CloudRunFrontEnd {
  private readonly verifier: TokenVerifier;
  private readonly functionUrl: URL;
  private readonly agent = new Agent({keepAlive: true});
  /** Requests forwarded and not yet answered. */
  private inFlight = 0;

  constructor(readonly options: FrontEndOptions) {
    this.functionUrl = new URL(options.functionUrl);
    this.verifier = new TokenVerifier({
      mode: 'verify',
      audience: options.url,
      allowedCallers: options.invokers,
      issuer: options.issuer,
      certsUrl: options.certsUrl,
    });
  }

  /**
   * Serves one request: checks it as Cloud Run would, then forwards it.
   * Never rejects: whatever goes wrong here is answered with a 502 page.
   */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    origin: Origin,
  ): Promise<void> {
    try {
      await this.check(req, res, origin);
    } catch {
      if (res.headersSent) res.destroy();
      else sendGooglePage(res, 502, pathOf(req.url ?? '/'));
    }
  }

  private async check(
    req: IncomingMessage,
    res: ServerResponse,
    origin: Origin,
  ): Promise<void> {
    const path = pathOf(req.url ?? '/');
    const headers = forwardedHeaders(req.headers);
    const span = frontEndSpan(headers);
    const refuse = (
      status: number,
      message: string,
      details: Record<string, unknown> = {},
      answerHeaders: Record<string, string> = {},
    ) => {
      this.logLine(
        req,
        path,
        span,
        {severity: 'WARNING', message, status},
        details,
      );
      sendGooglePage(res, status, path, answerHeaders);
    };

    if (this.options.ingress !== 'all' && origin !== 'vpc') {
      refuse(404, 'The request was blocked by the ingress setting.', {
        ingress: this.options.ingress,
      });
      return;
    }

    let caller = 'anonymous';
    if (!this.options.allowUnauthenticated) {
      // X-Serverless-Authorization wins; Authorization then passes untouched.
      const name =
        headers[SERVERLESS_AUTHORIZATION] !== undefined
          ? SERVERLESS_AUTHORIZATION
          : 'authorization';
      const value = single(headers[name]);
      if (value === undefined) {
        refuse(
          403,
          'The request was not authenticated. Either allow unauthenticated invocations or set the proper Authorization header.',
          {caller: 'anonymous'},
        );
        return;
      }
      try {
        caller = await this.verifier.verify(value);
      } catch (e: unknown) {
        if (!(e instanceof UnauthorizedError)) {
          refuse(503, 'The token could not be checked.');
          return;
        }
        refuse(
          401,
          'The request was not authenticated: the token could not be verified.',
          {caller: 'unverified', reason: e.message},
          {
            'WWW-Authenticate':
              'Bearer error="invalid_token" error_description="The access token could not be verified"',
          },
        );
        return;
      }
      if (!this.options.invokers.includes(caller)) {
        refuse(403, 'The request was not authorized to invoke this service.', {
          caller,
        });
        return;
      }
      headers[name] = value.replace(/[^.]*$/, SIGNATURE_REMOVED);
    }
    // Every instance busy up to max instances: Cloud Run holds a request
    // for a while for one to free up, then answers 429. Here the answer is
    // at once, so that a test of it takes no time.
    const {capacity} = this.options;
    if (capacity !== undefined && this.inFlight >= capacity) {
      refuse(
        429,
        'The request was aborted because there was no available instance.',
        {capacity},
      );
      return;
    }
    this.inFlight++;
    const started = performance.now();
    res.once('close', () => {
      this.inFlight--;
      this.logPassed(req, res, path, span, caller, performance.now() - started);
    });
    this.forward(req, res, path, headers);
  }

  /** Cloud Run's request line for a request passed on to the function. */
  private logPassed(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    span: FrontEndSpan,
    caller: string,
    ms: number,
  ): void {
    // Closed before the answer was all sent: the caller went away (or the
    // function's answer broke off), and the caller got no status at all.
    const status = res.writableFinished ? res.statusCode : 499;
    this.logLine(
      req,
      path,
      span,
      {
        severity: status >= 500 ? 'ERROR' : status >= 400 ? 'WARNING' : 'INFO',
        message: `${req.method} ${path} ${status}`,
        status,
        ms,
      },
      {passed: true, caller},
    );
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    headers: IncomingHttpHeaders,
  ): void {
    const upstream = request(
      {
        host: this.functionUrl.hostname,
        port: this.functionUrl.port,
        method: req.method,
        path,
        headers,
        agent: this.agent,
      },
      answer => {
        res.writeHead(
          answer.statusCode ?? 502,
          forwardedHeaders(answer.headers),
        );
        answer.pipe(res);
        // The function crashed mid-answer: the client's connection breaks.
        answer.on('error', () => res.destroy());
      },
    );
    // The rest of a body the function answered before reading (a 413) is
    // read and dropped here, not forwarded: a request to the function
    // whose answer has ended waits for a 'drain' that never comes, the pipe
    // stalls, and the client's connection, idle to Node once answered, is
    // closed under the upload five seconds later (a reset that can take
    // the answer with it).
    const dropRest = () => {
      req.unpipe(upstream);
      req.resume();
    };
    res.on('finish', () => {
      if (req.complete) return;
      dropRest();
      upstream.destroy();
    });
    upstream.on('error', () => {
      // Once the function's answer has begun, how the answer ends decides:
      // a function that answers before reading the whole body may close
      // while the body is still being sent, and its answer stands.
      dropRest();
      if (res.headersSent) return;
      // The function is down, or closed without answering: Cloud Run answers 503.
      sendGooglePage(res, 503, path);
    });
    req.pipe(upstream);
  }

  /**
   * One line of the front end's request log: a span of the caller's trace,
   * under the caller's span, as in Cloud Run's request log; `ms`, how long
   * the request took, when it was passed on (a refusal takes none).
   */
  private logLine(
    req: IncomingMessage,
    path: string,
    span: FrontEndSpan,
    line: {severity: string; message: string; status: number; ms?: number},
    details: Record<string, unknown>,
  ): void {
    const {severity, message, status, ms} = line;
    const {projectId} = this.options;
    this.options.log(
      JSON.stringify({
        severity,
        message,
        service: this.options.service,
        component: 'front-end',
        httpRequest: {
          requestMethod: req.method,
          requestUrl: path,
          status,
          ...(ms !== undefined && {latency: `${(ms / 1000).toFixed(3)}s`}),
        },
        ...details,
        'logging.googleapis.com/trace': `projects/${projectId}/traces/${span.traceId}`,
        'logging.googleapis.com/spanId': span.spanId,
        'logging.googleapis.com/trace_sampled': span.sampled,
        span: {
          parentSpanId: span.parentSpanId,
          startTime: new Date(Date.now() - (ms ?? 0)).toISOString(),
          durationMs: ms === undefined ? 0 : Math.round(ms * 10) / 10,
        },
      }),
    );
  }

  /** Closes the kept-alive connections to the function. */
  close(): void {
    this.agent.destroy();
  }
}

/** The path and query of an origin-form or absolute-form request target. */
function pathOf(target: string): string {
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return '/';
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = {...headers};
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

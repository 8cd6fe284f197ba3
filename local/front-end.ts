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
 *    has no invoker binding on this function 403. Tokens are verified by
 *    front-end-tokens.ts, which shares no code with the functions' own
 *    check, as Google's front end shares none with a function's;
 * 3. the checked token's signature is replaced with
 *    SIGNATURE_REMOVED_BY_GOOGLE, and the request goes on to the function.
 *
 * Refusals are Google's plain HTML pages, logged as one JSON line each.
 * Every request passed on gets a line too, as in Cloud Run's request log:
 * the status the caller got (499 when the caller hung up before the
 * answer), the latency, and the caller the front end verified.
 */
import {Agent, type IncomingMessage, type ServerResponse} from 'node:http';
import {
  frontEndSpan,
  passedOutcome,
  requestLogLine,
  type FrontEndSpan,
  type RequestOutcome,
} from './front-end-log';
import {forward, forwardedHeaders, pathOf} from './front-end-forwarding';
import {FrontEndTokens, TokenRefused} from './front-end-tokens';
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

export const SIGNATURE_REMOVED = 'SIGNATURE_REMOVED_BY_GOOGLE';
const SERVERLESS_AUTHORIZATION = 'x-serverless-authorization';

export class CloudRunFrontEnd {
  private readonly tokens: FrontEndTokens;
  private readonly functionUrl: URL;
  private readonly agent = new Agent({keepAlive: true});
  /** Requests forwarded and not yet answered. */
  private inFlight = 0;

  constructor(readonly options: FrontEndOptions) {
    this.functionUrl = new URL(options.functionUrl);
    this.tokens = new FrontEndTokens({
      audience: options.url,
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
        caller = await this.tokens.callerOf(value);
      } catch (e: unknown) {
        if (!(e instanceof TokenRefused)) {
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
      const ms = performance.now() - started;
      this.logLine(req, path, span, passedOutcome(req, res, path, ms), {
        passed: true,
        caller,
      });
    });
    forward(req, res, path, headers, this.functionUrl, this.agent);
  }

  /** One line of the front end's request log (front-end-log.ts). */
  private logLine(
    req: IncomingMessage,
    path: string,
    span: FrontEndSpan,
    outcome: RequestOutcome,
    details: Record<string, unknown>,
  ): void {
    this.options.log(
      requestLogLine(this.options, req, path, span, outcome, details),
    );
  }

  /** Closes the kept-alive connections to the function. */
  close(): void {
    this.agent.destroy();
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

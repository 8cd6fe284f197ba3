/**
 * Turns a route table into a Functions Framework HTTP function. Everything
 * every request needs happens here, once: its context (id, trace, deadline),
 * authentication of the caller, routing (on Express's router: router.ts),
 * the route's rule, the JSON content-type check, the single request log
 * line, and turning errors into problem responses.
 */
import type {
  HttpFunction,
  Request,
  Response,
} from '@google-cloud/functions-framework';
import type {Tracer} from '@opentelemetry/api';
import type {ServerResponse} from 'node:http';
import {createContext, distrustRequestId, type RequestContext} from './context';
import type {Logger} from '../telemetry/logger';
import {HttpError, toProblem} from '../protocol/problem';
import {endRequestSpan, logRequest, type RequestRecord} from './request-log';
import type {Method} from './handler';
import {routeTable, type Route} from './router';
import {createTracing} from '../telemetry/tracing';
import {
  checkEndUser,
  endUserAuthorization,
  ownerParams,
  ownersHandler,
  type AuthenticateEndUser,
} from './route-rules';

/** Checks the Authorization header; resolves to the caller's identity. */
export type Authenticate = (
  authorization: string | undefined,
) => Promise<string>;

export interface HttpFunctionOptions {
  service: string;
  projectId: string;
  requestTimeoutMs: number;
  routes: Route[];
  logger: Logger;
  /**
   * When set, every request must pass it before routing, so an unauthenticated
   * client cannot even learn which paths exist (deny by default).
   */
  authenticate?: Authenticate;
  /**
   * How `authenticate` checks a token, for the log: "verify" (signature and
   * claims here) or "platform" (Cloud Run checked the signature).
   */
  authCheck?: 'verify' | 'platform';
  /**
   * The end-user check for every route that is not public, or "off"
   * (END_USER_AUTH=off): every route then acts for anyone, as in the
   * original demo.
   */
  endUsers: AuthenticateEndUser | 'off';
  /**
   * Whether anyone may call the function (config.ts isEntry): its callers'
   * `tracestate` is then dropped. By default it is, the safe side.
   */
  entry?: boolean;
  /**
   * Starts the request's span and its children (tracing.ts); by default a
   * tracer whose spans go nowhere.
   */
  tracer?: Tracer;
}

// The methods of this API's routes (handler.ts Method) that carry a body.
const BODY_METHODS: ReadonlySet<string> = new Set<Method>(['POST', 'PATCH']);
/** nginx's and Google's load balancers' status for a request whose client left first. */
const CLIENT_CLOSED_REQUEST = 499;

class UnsupportedMediaTypeError extends HttpError {
  constructor() {
    super(
      415,
      'unsupported-media-type',
      'The request body must be JSON (Content-Type: application/json).',
    );
  }
}

/**
 * What the route table's callbacks need of the request in flight, kept in
 * Express's `res.locals` (the router calls them with the request alone).
 */
interface InFlight {
  ctx: RequestContext;
  /** Answers the request with `error` as a problem, logging a failure of ours. */
  fail: (error: unknown) => void;
}

const inFlight = (res: Response) => res.locals.inFlight as InFlight;

/** Builds the HTTP function that serves `routes`. */
export function createHttpFunction(options: HttpFunctionOptions): HttpFunction {
  const owners = ownerParams(options.routes);
  const {logger, endUsers} = options;
  const tracer =
    options.tracer ??
    createTracing({
      service: options.service,
      projectId: options.projectId,
      enabled: true,
    }).tracer;

  const authCheck = options.authenticate
    ? (options.authCheck ?? 'verify')
    : 'none';

  /** A request its route matched: the route's rule, then its handler. */
  const serveRoute = async (
    route: Route,
    req: Request,
    res: Response,
    ctx: RequestContext,
  ) => {
    const {rule} = route;
    // Named for its route, not its path: a span name (and what it costs
    // to keep) does not grow with the ids a caller sends.
    ctx.span.updateName(`${req.method} ${route.path}`);
    ctx.span.setAttribute('http.route', route.path);
    ctx.access = {rule: rule.access, decision: 'allowed'};
    if (rule.access !== 'public') {
      try {
        await checkEndUser(
          ctx,
          rule,
          endUsers,
          endUserAuthorization(req, options.authenticate !== undefined),
        );
      } catch (e: unknown) {
        ctx.access.decision = 'refused';
        ctx.access.reason = toProblem(e).problem.detail;
        throw e;
      }
    }
    if (BODY_METHODS.has(req.method) && !req.is('application/json')) {
      throw new UnsupportedMediaTypeError();
    }
    const params = req.params as Record<string, string>;
    const request = {
      params,
      query: req.query as Record<string, unknown>,
      body: req.body,
      headers: req.headers,
    };
    const handler = ownersHandler(ctx, route, owners, params);
    const reply = await withinBudget(handler(request, ctx), ctx.deadline);
    res.status(reply.status ?? 200);
    for (const [name, value] of Object.entries(reply.headers ?? {}))
      res.setHeader(name, value);
    if (reply.status === 204) res.end();
    else res.json(reply.body);
  };

  const routes = routeTable(
    options.routes,
    async (route, req, res) => {
      const {ctx, fail} = inFlight(res);
      try {
        await serveRoute(route, req, res, ctx);
      } catch (error: unknown) {
        fail(error);
      }
    },
    (_req, res, error) => inFlight(res).fail(error),
  );

  return async (req: Request, res: Response) => {
    const started = performance.now();
    const ctx = createContext(req.headers, {
      requestTimeoutMs: options.requestTimeoutMs,
      tracer,
      // Until its route is known: the method alone, as OpenTelemetry's
      // HTTP conventions name a span without a route.
      name: req.method,
      entry: options.entry ?? true,
    });
    let caller: string | undefined;
    let refused: string | undefined;
    res.setHeader('X-Request-Id', ctx.requestId);
    // The one line per request, and the end of this function's span of the
    // trace (its calls and Firestore operations are its children). A
    // request whose caller hung up before the answer was sent (a hop
    // timeout does that) gets its line too, as 499, the status load
    // balancers write for it: 'close' comes when the client leaves before
    // the response ends.
    let logged = false;
    const writeLine = (status: number) => {
      if (logged) return;
      logged = true;
      const record: RequestRecord = {
        method: req.method,
        path: req.path,
        status,
        durationMs: performance.now() - started,
        ctx,
        caller,
        auth:
          refused === undefined
            ? {check: authCheck}
            : {check: authCheck, refused},
      };
      logRequest(logger, options.projectId, record);
      endRequestSpan(record);
    };
    res.on('finish', () => writeLine(res.statusCode));
    res.on('close', () => {
      if (!res.writableFinished) writeLine(CLIENT_CLOSED_REQUEST);
    });
    const fail = (error: unknown) => {
      // A failure of ours (5xx) is logged with its stack and cause; the
      // client gets only the problem document. A 4xx is the client's.
      if (toProblem(error).problem.status >= 500) {
        logger.log('ERROR', 'request failed', {
          requestId: ctx.requestId,
          error: describeError(error),
          ...(error instanceof Error && error.cause !== undefined
            ? {cause: describeError(error.cause)}
            : {}),
        });
      }
      writeProblem(res, error, ctx.requestId, req.path);
    };

    if (options.authenticate) {
      // Cloud Run takes the token from X-Serverless-Authorization when both
      // are sent, leaving Authorization to the application; so do we.
      try {
        caller = await options.authenticate(
          req.get('x-serverless-authorization') ?? req.get('authorization'),
        );
      } catch (e: unknown) {
        // Why, in the words the caller gets: never the token itself.
        refused = toProblem(e).problem.detail;
        distrustRequestId(ctx, req.headers);
        return fail(e);
      }
    }
    // Routed only once the caller is known: one who may not call learns
    // nothing of which paths exist.
    res.locals.inFlight = {ctx, fail} satisfies InFlight;
    routes(req, res);
  };
}

class OutOfTimeError extends HttpError {
  constructor() {
    super(504, 'out-of-time', 'The request ran out of time.');
  }
}

/**
 * The handler's answer, or a 504 once the request's budget is spent: a
 * Firestore call or a call downstream that is still running then is
 * abandoned (its result, if it ever comes, is dropped), so that no function
 * works on a request its caller has given up on.
 */
function withinBudget<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OutOfTimeError()),
      Math.max(0, deadline - Date.now()),
    );
  });
  // The abandoned work may still fail later: the race has taken its
  // failure, which is no longer anyone's error.
  return Promise.race([work, outOfTime]).finally(() => clearTimeout(timer));
}

/** An error as a log line keeps it: its stack, or what it is. */
export function describeError(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? error.message)
    : String(error);
}

/**
 * Sends `error` as an RFC 9457 problem response. Written against Node's own
 * response type so that it also serves before Express has set up a request.
 */
export function writeProblem(
  res: ServerResponse,
  error: unknown,
  requestId?: string,
  instance?: string,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const {problem, headers} = toProblem(error, requestId, instance);
  res.statusCode = problem.status;
  for (const [name, value] of Object.entries(headers))
    res.setHeader(name, value);
  if (requestId !== undefined) res.setHeader('X-Request-Id', requestId);
  res.setHeader('Content-Type', 'application/problem+json');
  res.end(JSON.stringify(problem));
}

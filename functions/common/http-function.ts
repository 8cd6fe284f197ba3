/**
 * Turns a route table into a Functions Framework HTTP function. Everything
 * every request needs happens here, once: its context (id, trace, deadline),
 * authentication of the caller, routing, the JSON content-type check, the
 * single request log line, and turning errors into problem responses.
 */
import type {
  HttpFunction,
  Request,
  Response,
} from '@google-cloud/functions-framework';
import type {ServerResponse} from 'node:http';
import {z} from 'zod';
import {
  isAdmin,
  mayRequestFor,
  principalLog,
  UNCHECKED,
  type Rule,
} from './access';
import type {EndUser} from './auth/end-user';
import {createContext, setEndUser, type RequestContext} from './context';
import type {Logger} from './logger';
import {ForbiddenError, HttpError, NotFoundError, toProblem} from './problem';
import {
  MethodNotAllowedError,
  Router,
  type Handler,
  type Route,
} from './router';
import {round, traceLogFields} from './trace';
import {idSchema, parseInput} from './validation';

/** Checks the Authorization header; resolves to the caller's identity. */
export type Authenticate = (
  authorization: string | undefined,
) => Promise<string>;

/** Checks the end user's token (in Authorization); resolves to who it is. */
export type AuthenticateEndUser = (
  authorization: string | undefined,
) => Promise<EndUser>;

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
   * Record child spans for the request line (default). Off when nothing is
   * logged: spans exist to be written there.
   */
  recordSpans?: boolean;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** nginx's and Google's load balancers' status for a request whose client left first. */
const CLIENT_CLOSED_REQUEST = 499;

class UnsupportedMediaTypeError extends HttpError {
  constructor() {
    super(
      415,
      'The request body must be JSON (Content-Type: application/json).',
    );
  }
}

/** Builds the HTTP function that serves `routes`. */
export function createHttpFunction(options: HttpFunctionOptions): HttpFunction {
  const router = new Router(options.routes);
  const owners = ownerParams(options.routes);
  const {logger, endUsers} = options;

  const authCheck = options.authenticate
    ? (options.authCheck ?? 'verify')
    : 'none';

  return async (req: Request, res: Response) => {
    const arrivedAt = Date.now();
    const started = performance.now();
    const ctx = createContext(req.headers, options);
    let caller: string | undefined;
    let refused: string | undefined;
    res.setHeader('X-Request-Id', ctx.requestId);
    // Lines wait while requests are in flight, to share a write (logger.ts);
    // 'close' also comes when the client leaves before the response ends.
    const done = logger.requestInFlight();
    // The one line per request: also this function's span of the trace,
    // with its calls and Firestore operations as child spans. Written once
    // the request no longer counts as in flight: alone, it goes out at the
    // end of this turn. A request whose caller hung up before the answer
    // was sent (a hop timeout does that) gets its line too, as 499, the
    // status load balancers write for it.
    let logged = false;
    const writeLine = (status: number) => {
      done();
      if (logged) return;
      logged = true;
      logRequest(logger, options.projectId, {
        method: req.method,
        path: req.path,
        status,
        arrivedAt,
        durationMs: performance.now() - started,
        ctx,
        caller,
        auth:
          refused === undefined
            ? {check: authCheck}
            : {check: authCheck, refused},
      });
    };
    res.on('finish', () => writeLine(res.statusCode));
    res.on('close', () => {
      if (!res.writableFinished) writeLine(CLIENT_CLOSED_REQUEST);
    });

    try {
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
          throw e;
        }
      }
      const match = router.match(req.method, req.path);
      if (match.kind === 'not-found') throw new NotFoundError('No such route.');
      if (match.kind === 'method-not-allowed')
        throw new MethodNotAllowedError(match.allowed);
      const {rule} = match.route;
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
      const request = {
        params: match.params,
        query: req.query as Record<string, unknown>,
        body: req.body,
        headers: req.headers,
      };
      const handler = ownersHandler(ctx, match.route, owners, match.params);
      const reply = await withinBudget(handler(request, ctx), ctx.deadline);
      res.status(reply.status ?? 200);
      for (const [name, value] of Object.entries(reply.headers ?? {}))
        res.setHeader(name, value);
      if (reply.status === 204) res.end();
      else res.json(reply.body);
    } catch (error: unknown) {
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
    }
  };
}

/**
 * For each route whose rule names its owner's path parameter, the schema
 * of that parameter: an id, checked before it is compared, so a malformed
 * one is a 400 whoever sends it.
 * @throws Error at start for a rule naming a parameter its path lacks.
 */
function ownerParams(
  routes: Route[],
): Map<Route, z.ZodType<Record<string, string>>> {
  const owners = new Map<Route, z.ZodType<Record<string, string>>>();
  for (const route of routes) {
    const {owner} = route.rule;
    if (owner === undefined) continue;
    if (!route.path.split('/').includes(`:${owner.param}`))
      throw new Error(
        `${route.method} ${route.path}: its rule's owner is :${owner.param}, which the path does not have`,
      );
    owners.set(route, z.object({[owner.param]: idSchema}));
  }
  return owners;
}

/**
 * The handler that answers this request: the route's own, or, for a user
 * who names another in the route's owner parameter (Rule.owner), the
 * rule's refusal.
 * @throws ValidationError for a malformed owner id.
 */
function ownersHandler(
  ctx: RequestContext,
  route: Route,
  owners: Map<Route, z.ZodType<Record<string, string>>>,
  params: Record<string, string>,
): Handler {
  const schema = owners.get(route);
  if (route.rule.owner === undefined || schema === undefined)
    return route.handler;
  const id = parseInput(schema, params, 'path')[route.rule.owner.param];
  return mayRequestFor(ctx, id) ? route.handler : route.rule.owner.refused;
}

/**
 * The end user's `Authorization` value. A caller that sends its own token
 * and an end user's sends its own in X-Serverless-Authorization; when its
 * own came in Authorization, that header holds no end user's token.
 */
function endUserAuthorization(
  req: {get(name: string): string | undefined},
  callersChecked: boolean,
): string | undefined {
  return callersChecked && req.get('x-serverless-authorization') === undefined
    ? undefined
    : req.get('authorization');
}

/**
 * Sets who the request acts for, for a route that is not public.
 * @throws UnauthorizedError without a valid end-user token,
 *   ForbiddenError for a user on an admin route.
 */
async function checkEndUser(
  ctx: RequestContext,
  rule: Rule,
  endUsers: AuthenticateEndUser | 'off',
  authorization: string | undefined,
): Promise<void> {
  if (endUsers === 'off') {
    setEndUser(ctx, UNCHECKED);
    return;
  }
  const user = await endUsers(authorization);
  setEndUser(ctx, {kind: 'end-user', ...user}, authorization);
  if (rule.access === 'admin' && !isAdmin(ctx.principal))
    throw new ForbiddenError('Only an admin may do this.');
}

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

class OutOfTimeError extends HttpError {
  constructor() {
    super(504, 'The request ran out of time.');
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
  // The abandoned work may still fail later: that is no longer anyone's error.
  work.catch(() => undefined);
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

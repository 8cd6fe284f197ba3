/**
 * A function's calls as data, in the manner of ts-rest's contracts: each
 * entry names a route's method and path (its parameters typed from the
 * path), the schemas of its query, headers and body, the schema of its
 * answer, and the problem codes it answers on purpose. The function that
 * owns an entry serves it (`serve`: the route takes the entry's method and
 * path, its handler's answer is typed by the entry's schema); its callers
 * call it (`callTo`: the request built from the entry and typed
 * parameters, the answer parsed with the entry's schema); the OpenAPI
 * document is generated from the same entries. A path or a schema changed
 * is one edit, and a caller that no longer fits does not compile.
 */
import type {z} from 'zod';
import type {Rule} from './http/access';
import type {RequestContext} from './http/context';
import type {Method, Reply, RouteRequest} from './http/handler';
import type {Route} from './http/router';
import {DownstreamError} from './protocol/problem';
import type {Call, ServiceCaller, ServiceReply} from './calls/service-client';

/** The names of a path's `:parameters`: `'/users/:id/orders'` → `'id'`. */
type ParamNames<P extends string> =
  P extends `${string}:${infer Name}/${infer Rest}`
    ? Name | ParamNames<`/${Rest}`>
    : P extends `${string}:${infer Name}`
      ? Name
      : never;

/** A path's parameters as a caller gives them, each a string. */
export type PathParams<P extends string> = {[K in ParamNames<P>]: string};

/** One call a function answers. */
export interface Endpoint {
  method: Method;
  /** The route's path, parameters as `:name`. */
  path: string;
  /** What the call does, in a few words (the OpenAPI summary). */
  summary: string;
  /** What the call does, for people, in Markdown; the summary when absent. */
  description?: string;
  /** The status of its answer: 200 unless said. */
  status?: number;
  /** The path parameters' schema (each a string on the wire). */
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** Its answer's body; undefined for a 204, which has none. */
  answer?: z.ZodType;
  /** Headers of its answer worth documenting, by name, with what each says. */
  answerHeaders?: Readonly<Record<string, string>>;
  /** The problem codes the route itself answers, by code, with their status. */
  problems: Readonly<Record<string, number>>;
}

/**
 * `entry` with its literal types kept (method, path, problem codes), so a
 * caller's parameters and codes are checked against it.
 */
export function endpoint<const E extends Endpoint>(entry: E): E {
  return entry;
}

type Answer<E extends Endpoint> = E['answer'] extends z.ZodType
  ? z.infer<E['answer']>
  : undefined;

type QueryOf<E extends Endpoint> = E['query'] extends z.ZodObject
  ? {[K in keyof z.input<E['query']>]?: string}
  : never;

type BodyOf<E extends Endpoint> = E['body'] extends z.ZodType
  ? z.input<E['body']>
  : never;

/** What a caller gives for a call: the path's parameters, then what the entry accepts. */
export type CallInput<E extends Endpoint> = (ParamNames<E['path']> extends never
  ? {params?: undefined}
  : {params: PathParams<E['path']>}) & {
  query?: QueryOf<E>;
  body?: BodyOf<E>;
  headers?: Record<string, string>;
};

/** The path of `entry` with `params` in place of its `:parameters`, as segments. */
export function pathOf(
  entry: Endpoint,
  params: Record<string, string> = {},
): string[] {
  return entry.path
    .split('/')
    .filter(s => s.length > 0)
    .map(s => {
      if (!s.startsWith(':')) return s;
      const value = params[s.slice(1)];
      if (value === undefined)
        throw new Error(`${entry.path}: no value for ${s}`);
      return value;
    });
}

/** The request for the service client (service-client.ts `Call`) of one call of `entry`. */
export function requestOf<E extends Endpoint>(
  entry: E,
  input: CallInput<E>,
): Call {
  const call: Call = {
    method: entry.method,
    path: pathOf(entry, input.params as Record<string, string> | undefined),
  };
  if (input.query !== undefined)
    call.query = input.query as Record<string, string | undefined>;
  if (input.body !== undefined) call.body = input.body;
  if (input.headers !== undefined) call.headers = input.headers;
  return call;
}

/**
 * Calls `entry` through `caller`: the answer parsed with the entry's
 * schema.
 * @throws DownstreamError as ServiceCaller.call does.
 */
export function callTo<E extends Endpoint & {answer: z.ZodType}>(
  caller: ServiceCaller,
  ctx: RequestContext,
  entry: E,
  input: CallInput<E>,
): Promise<ServiceReply<z.infer<E['answer']>>> {
  return caller.call<E['answer']>(ctx, requestOf(entry, input), entry.answer);
}

/**
 * Whether `e` is the callee's own answer `code` to a call of `entry` (a
 * code the entry lists): only that, not any other refusal with the same
 * status (a front end's page, a route the callee does not have).
 */
export function refusedWith<E extends Endpoint>(
  e: unknown,
  entry: E,
  code: keyof E['problems'] & string,
): boolean {
  return (
    e instanceof DownstreamError &&
    e.failure === 'rejected' &&
    e.status === entry.problems[code] &&
    e.problem?.code === code
  );
}

/** A handler of `entry`: its answer typed by the entry's schema. */
export type EndpointHandler<E extends Endpoint> = (
  req: RouteRequest,
  ctx: RequestContext,
) => Promise<Reply<Answer<E>>>;

/** A route that serves a contract's entry; the OpenAPI document reads the entry. */
export interface ServedRoute extends Route {
  endpoint: Endpoint;
}

/**
 * The route that serves `entry`: the entry's method and path, with the
 * route's rule and a handler whose answer the entry's schema types.
 */
export function serve<E extends Endpoint>(
  entry: E,
  route: {rule: Rule; handler: NoInfer<EndpointHandler<E>>},
): ServedRoute {
  return {
    method: entry.method,
    path: entry.path,
    rule: route.rule,
    handler: route.handler,
    endpoint: entry,
  };
}

/** Whether `route` was made by `serve`, with its entry. */
export function isServed(route: Route): route is ServedRoute {
  return (route as Partial<ServedRoute>).endpoint !== undefined;
}

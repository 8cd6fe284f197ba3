/**
 * A function's routes on Express's router, the one the Functions Framework
 * already runs: each route a method and a path pattern
 * (`/users/:id/orders`), matched as Express matches them (case-sensitive, a
 * trailing slash ignored, each path parameter percent-decoded once, so
 * handlers see the value the client meant and validate it). A path that
 * has routes, but none for the request's method, is a 405 naming the
 * methods it has; a GET route answers HEAD too, as Express's do.
 */
import type {Request, Response, Router as ExpressRouter} from 'express';
import type {Rule} from './access';
import {frameworkRequire} from './framework-modules';
import type {Handler, Method} from './handler';
import {HttpError, invalidPath, routeNotFound} from '../protocol/problem';

export interface Route {
  method: Method;
  path: string;
  /** Who may call it (access.ts), enforced before the handler runs. */
  rule: Rule;
  handler: Handler;
}

/** Serves a request its route matched; answers it whatever happens. */
export type ServeRoute = (route: Route, req: Request, res: Response) => unknown;

/** Answers a request no route took, with the problem that says why. */
export type Refuse = (req: Request, res: Response, error: HttpError) => void;

const {Router} = frameworkRequire('express') as {
  Router: (options: {caseSensitive: boolean}) => ExpressRouter;
};

/**
 * `routes` on one Express router: a request is served by `serve` with the
 * route it matched (its parameters in `req.params`), or refused by
 * `refuse`: 404 for a path no route has, 405 for a method its path lacks,
 * 400 for a parameter that is not valid percent-encoding.
 */
export function routeTable(
  routes: Route[],
  serve: ServeRoute,
  refuse: Refuse,
): (req: Request, res: Response) => void {
  const router = Router({caseSensitive: true});
  const byPath = new Map<string, Route[]>();
  for (const route of routes)
    byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
  for (const [path, onPath] of byPath) {
    const methods = router.route(path);
    for (const route of onPath)
      methods[lowerCase(route.method)]((req, res) => serve(route, req, res));
    const allowed = new MethodNotAllowedError(onPath.map(r => r.method));
    methods.all((req, res) => refuse(req, res, allowed));
  }
  return (req, res) =>
    router(req, res, (error?: unknown) =>
      // Express's only error while matching: a parameter it cannot decode.
      refuse(req, res, error === undefined ? routeNotFound() : invalidPath()),
    );
}

const lowerCase = (method: Method) =>
  method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';

/** 405 with the methods the path does accept. */
export class MethodNotAllowedError extends HttpError {
  constructor(allowed: Method[]) {
    super(
      405,
      'method-not-allowed',
      'This method is not allowed on this path.',
      undefined,
      {
        Allow: allowed.join(', '),
      },
    );
  }
}

/**
 * The routes with every error their handlers throw passed through
 * `translate` first: how a function's domain errors become HTTP errors,
 * written once instead of in every handler.
 */
export function translatingErrors(
  routes: Route[],
  translate: (error: unknown) => unknown,
): Route[] {
  return routes.map(route => ({
    ...route,
    handler: (req, ctx) =>
      route.handler(req, ctx).catch((e: unknown) => {
        throw translate(e);
      }),
  }));
}

/**
 * A route table small enough to read at a glance: `/users/:id/orders`
 * patterns matched segment by segment. Path parameters are percent-decoded
 * here, once, so handlers see the value the client meant (and validate it).
 */
import type {IncomingHttpHeaders} from 'node:http';
import type {Rule} from './access';
import type {RequestContext} from './context';
import {HttpError, ValidationError} from './problem';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  headers: IncomingHttpHeaders;
}

/** A route's answer; `T`, its body's type, from the route's contract entry (contract.ts). */
export interface Reply<T = unknown> {
  status?: number;
  body: T;
  headers?: Record<string, string>;
}

export type Handler = (
  req: RouteRequest,
  ctx: RequestContext,
) => Promise<Reply>;

export interface Route {
  method: Method;
  path: string;
  /** Who may call it (access.ts), enforced before the handler runs. */
  rule: Rule;
  handler: Handler;
}

export type Match =
  | {kind: 'found'; route: Route; params: Record<string, string>}
  | {kind: 'method-not-allowed'; allowed: Method[]}
  | {kind: 'not-found'};

function segments(path: string): string[] {
  return path.split('/').filter(s => s.length > 0);
}

export class Router {
  private readonly compiled: {route: Route; parts: string[]}[];

  constructor(routes: Route[]) {
    this.compiled = routes.map(route => ({route, parts: segments(route.path)}));
  }

  /** Finds the route for a raw (still percent-encoded) request path. */
  match(method: string, rawPath: string): Match {
    const parts = segments(rawPath);
    const allowed: Method[] = [];
    for (const {route, parts: pattern} of this.compiled) {
      const params = matchParts(pattern, parts);
      if (params === null) continue;
      if (route.method === method) return {kind: 'found', route, params};
      allowed.push(route.method);
    }
    return allowed.length > 0
      ? {kind: 'method-not-allowed', allowed}
      : {kind: 'not-found'};
  }
}

function matchParts(
  pattern: string[],
  parts: string[],
): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      params[pattern[i].slice(1)] = decodeSegment(
        pattern[i].slice(1),
        parts[i],
      );
    } else if (pattern[i] !== parts[i]) {
      return null;
    }
  }
  return params;
}

function decodeSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError('The path is not valid.', [
      {field: name, message: 'is not valid percent-encoding'},
    ]);
  }
}

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

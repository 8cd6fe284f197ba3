/**
 * What a route's handler is given and what it answers: the request as the
 * route table (router.ts) hands it over, path parameters already decoded.
 */
import type {IncomingHttpHeaders} from 'node:http';
import type {RequestContext} from './context';

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

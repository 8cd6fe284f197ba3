/**
 * What carries one request of a call between functions and brings back its
 * answer (service-client.ts): by default gaxios as it ships, a `Gaxios`
 * being such a transport. An entry point may choose another before it
 * builds its functions (`useTransport`): the tuning line of
 * tuning/http-calls.ts does, for speed alone (docs/tuning.md).
 */
import type * as http from 'node:http';
import {MAX_ANSWER_BYTES} from '../platform/fetch';

/** The few things asked of an answer's headers: `Headers` has them. */
export type AnswerHeaders = Pick<Headers, 'get' | 'has'>;

/**
 * One request as the service client sends it, in gaxios's words: a body
 * already serialised, the answer read as text whatever its status, no
 * retry and no redirect followed (a callee's 3xx is its answer, and the
 * caller's token never goes where it points), at most `maxContentLength`
 * bytes of answer. `responseType`, `retry`, `validateStatus` and
 * `redirect` are there for gaxios, which needs telling; another transport
 * does what they say without reading them.
 */
export interface TransportRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  data?: string;
  signal: AbortSignal;
  agent: (url: URL) => http.Agent;
  responseType: 'text';
  retry: false;
  validateStatus: () => boolean;
  maxContentLength: number;
  redirect: 'manual';
}

/** What differs from one request to the next. */
export type RequestFields = Pick<
  TransportRequest,
  'url' | 'method' | 'headers' | 'data' | 'signal' | 'agent'
>;

/**
 * `fields` as a request of a call between functions: the rest is the same
 * for every call, whatever the transport. An answer has a bound (gaxios
 * reads these from each request, not from its defaults), and a callee's
 * 3xx is its answer, the caller's token never sent where it points.
 */
export function transportRequest(fields: RequestFields): TransportRequest {
  return {
    ...fields,
    responseType: 'text',
    retry: false,
    validateStatus: () => true,
    maxContentLength: MAX_ANSWER_BYTES,
    redirect: 'manual',
  };
}

export interface TransportAnswer {
  status: number;
  data: string;
  headers: AnswerHeaders;
}

/**
 * Sends a request and resolves to its answer, whatever its status. Always
 * settles: it rejects when the connection fails, once `signal` aborts, and
 * for an answer past `maxContentLength`; a connection error's code
 * (ECONNREFUSED, ECONNRESET) is on the error or on its `cause`.
 */
export interface CallTransport {
  request(options: TransportRequest): Promise<TransportAnswer>;
}

let chosen: CallTransport | undefined;

/**
 * Makes `transport` the one used by the service clients built from now on
 * (undefined: gaxios as it ships again).
 */
export function useTransport(transport: CallTransport | undefined): void {
  chosen = transport;
}

/** The transport an entry point chose, undefined for gaxios as it ships. */
export function chosenTransport(): CallTransport | undefined {
  return chosen;
}

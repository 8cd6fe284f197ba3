/**
 * What a failed call between functions means (service-client.ts makes the
 * calls): which answers and errors are worth trying again, how long the
 * platform asks to wait, and which failure a client is told of. Only our
 * own problem documents are relayed, and only their code, detail and
 * fields.
 */
import {z} from 'zod';
import {DownstreamError, type RelayedProblem} from '../protocol/problem';
import type {AnswerHeaders} from './transport';

const RETRYABLE_STATUS = new Set([502, 503, 504]);
/**
 * Cloud Run's answer when every instance is busy up to max instances: the
 * request reached no instance, so trying again is safe whatever the method.
 */
export const NO_INSTANCE = 429;
// Errors raised before any response: the request may not have been
// processed, and for idempotent calls trying again is safe.
export const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * A 429 from the platform: no instance was free. Unavailable to our own
 * caller (503) once the retries are spent.
 */
export class NoInstance extends DownstreamError {
  constructor(
    service: string,
    readonly retryAfterMs: number,
  ) {
    super(service, 'unavailable', NO_INSTANCE);
  }
}

/**
 * Retry-After in milliseconds (seconds or an HTTP date), 0 when absent or
 * unusable. Not capped: a wait past the request's budget ends the retries.
 */
export function retryAfterMs(headers: AnswerHeaders): number {
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return 0;
  const ms = /^\d+$/.test(value)
    ? Number(value) * 1000
    : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(ms, 0) : 0;
}

/**
 * Whether trying again is safe and may help: a 429 (no instance took the
 * request), or for an idempotent call a 502, 503 or 504 answer, or no
 * answer because the connection failed (the request may not have been
 * processed). Not our own timeout: the budget is spent.
 */
export function mayRetry(e: DownstreamError, idempotent: boolean): boolean {
  if (e instanceof NoInstance) return true;
  if (!idempotent) return false;
  return e.status === undefined
    ? e.failure === 'unavailable'
    : RETRYABLE_STATUS.has(e.status);
}

export function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Classifies a non-2xx answer. Only our own problem documents are relayed.
 * A 429 is Cloud Run's (no instance took the request: NoInstance, retried)
 * unless it is a problem document of ours: the callee itself refused,
 * wrote nothing, and says when to come back. That one is relayed at once,
 * Retry-After and all, not retried: waiting here would only hold the
 * request while the client can wait as well, and add to the burst it
 * refused.
 */
export function statusFailure(
  service: string,
  status: number,
  body: unknown,
  headers: AnswerHeaders,
): DownstreamError {
  if (status === NO_INSTANCE) {
    const problem = asProblem(body);
    if (problem?.code === undefined)
      return new NoInstance(service, retryAfterMs(headers));
    const wait = retryAfterMs(headers);
    return new DownstreamError(service, 'rejected', status, {
      ...problem,
      ...(headers.has('retry-after') && {
        retryAfter: String(Math.ceil(wait / 1000)),
      }),
    });
  }
  if (status === 503)
    return new DownstreamError(service, 'unavailable', status);
  if (status === 504) return new DownstreamError(service, 'timeout', status);
  const problem = asProblem(body);
  // A 401 or 403 means our own identity was refused: a deployment fault,
  // not the client's, so it is a 502 like any other failure.
  if (
    status >= 400 &&
    status < 500 &&
    status !== 401 &&
    status !== 403 &&
    problem
  ) {
    return new DownstreamError(service, 'rejected', status, problem);
  }
  return new DownstreamError(service, 'failed', status);
}

/** A problem's `code` as this project writes them (problem.ts). */
const PROBLEM_CODE = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/);
/** What is read of a callee's problem document: its code, detail and fields' errors. */
const calleeProblem = z.object({
  code: PROBLEM_CODE.optional().catch(undefined),
  detail: z.string(),
  errors: z.array(z.unknown()).optional().catch(undefined),
});
const fieldError = z.object({field: z.string(), message: z.string()});

/** The code, detail and field errors of a callee's problem document, or undefined when it sent none. */
function asProblem(body: unknown): RelayedProblem | undefined {
  const parsed = calleeProblem.safeParse(body);
  if (!parsed.success) return undefined;
  const {code, detail, errors} = parsed.data;
  return {
    code,
    detail,
    // Only well-formed entries, and only their field and message.
    errors: errors?.flatMap(e => {
      const entry = fieldError.safeParse(e);
      return entry.success ? [entry.data] : [];
    }),
  };
}

export function errorCode(e: unknown): string | undefined {
  // gaxios wraps node-fetch's FetchError; the system error code is on either.
  const err = e as {code?: unknown; cause?: {code?: unknown}};
  const code = err?.code ?? err?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Errors that become HTTP responses, and the one function that turns any
 * error into an RFC 9457 problem document. Handlers throw; only this module
 * decides what a client sees, so nothing internal (downstream URLs, tokens,
 * stack traces) can leak through a forgotten catch.
 *
 * Every problem has a type of its own: `type` is a tag URI (RFC 4151) that
 * ends in its `code`, a short kebab-case name (an extension member, for
 * clients that would rather not parse URIs). Both stay the same across
 * releases, for programs to branch on; `detail` is for people and may be
 * reworded at any time. A tag URI is an identifier, not an address: no
 * client is meant to fetch it (RFC 9457 3.1.1).
 */
import {STATUS_CODES} from 'node:http';

/** One offending input field, as listed in a validation problem. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Where this project's problem types are named: a domain reserved for
 * examples (RFC 2606); a deployment of its own names them under a domain
 * or email it owns.
 */
export const PROBLEM_TYPE_PREFIX = 'tag:functions-s2s.example,2026:';

/** The RFC 9457 problem document this project sends. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  /** The end of `type`: e.g. "user-not-found", "token-expired". */
  code: string;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
}

/** An error that maps to an HTTP status with a message safe for clients. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

/** 400 with the list of fields that failed validation. */
export class ValidationError extends HttpError {
  constructor(detail: string, errors: FieldError[]) {
    super(400, 'invalid-request', detail, errors);
  }
}

export class NotFoundError extends HttpError {
  constructor(code: string, detail: string) {
    super(404, code, detail);
  }
}

export class ConflictError extends HttpError {
  constructor(code: string, detail: string) {
    super(409, code, detail);
  }
}

/** 401: no credentials, or credentials that failed verification. */
export class UnauthorizedError extends HttpError {
  /** @param missing no credentials were sent at all */
  constructor(code: string, detail: string, missing = false) {
    // RFC 6750 (3.1): a 401 names the scheme the client should use, and an
    // error code only when credentials were sent and failed.
    super(401, code, detail, undefined, {
      'WWW-Authenticate': missing ? 'Bearer' : 'Bearer error="invalid_token"',
    });
  }
}

/** 403: a verified caller that is not allowed here. */
export class ForbiddenError extends HttpError {
  constructor(code: string, detail: string) {
    super(403, code, detail);
  }
}

/** 404 for a path no route serves. */
export function routeNotFound(): NotFoundError {
  return new NotFoundError('route-not-found', 'No such route.');
}

/** 400 for a path whose percent-encoding does not decode. */
export function invalidPath(): ValidationError {
  return new ValidationError('The path is not valid.', [
    {field: 'path', message: 'is not valid percent-encoding'},
  ]);
}

/** 500: what a client sees of any failure of ours. */
export function internalError(): HttpError {
  return new HttpError(500, 'internal', 'An unexpected error occurred.');
}

/** Why a call to another function failed, in terms a client may see. */
export type DownstreamFailure =
  | 'rejected' // the function answered with a 4xx that the caller should see
  | 'unavailable' // could not connect, or it answered 503
  | 'timeout' // no answer within the hop's time budget
  | 'malformed' // a 2xx answer that its contract's schema refuses
  | 'failed'; // any other bad answer (5xx, 401/403 to us, a body that is not ours)

/**
 * What is relayed of a callee's problem document: its code, detail and
 * fields, and the Retry-After (in seconds) of a refusal to try again later.
 */
export interface RelayedProblem {
  code?: string;
  detail: string;
  errors?: FieldError[];
  retryAfter?: string;
}

/**
 * A failed call to another function of this system. `problem` holds the
 * downstream function's own problem document when it answered with one; its
 * URL is never kept, so it cannot reach a client. `cause`, when set, is the
 * underlying error, for the log only.
 */
export class DownstreamError extends Error {
  constructor(
    readonly service: string,
    readonly failure: DownstreamFailure,
    readonly status?: number,
    readonly problem?: RelayedProblem,
    cause?: unknown,
  ) {
    super(
      `${service} call ${failure}${status === undefined ? '' : ` (${status})`}`,
      {cause},
    );
    this.name = 'DownstreamError';
  }
}

const DOWNSTREAM_ANSWER: Record<
  Exclude<DownstreamFailure, 'rejected'>,
  {status: number; code: string; says: string}
> = {
  unavailable: {
    status: 503,
    code: 'service-unavailable',
    says: 'is unavailable',
  },
  timeout: {
    status: 504,
    code: 'service-timeout',
    says: 'did not answer in time',
  },
  malformed: {
    status: 502,
    code: 'service-malformed-answer',
    says: 'answered with data outside its contract',
  },
  failed: {status: 502, code: 'service-failed', says: 'failed'},
};

/**
 * Maps any thrown value to the problem document and headers to send.
 * Unknown errors become a bare 500: their message is for the logs only.
 */
export function toProblem(
  error: unknown,
  requestId?: string,
  instance?: string,
): {problem: Problem; headers: Record<string, string>} {
  let {status, code, detail, errors, headers} = internalError();

  if (error instanceof HttpError) {
    ({status, code, detail, errors, headers} = error);
  } else if (error instanceof DownstreamError) {
    if (error.failure === 'rejected' && error.status !== undefined) {
      // Our own functions' 4xx answers are safe to relay: they are problem
      // documents we wrote, and only their code, detail and field list are
      // kept.
      status = error.status;
      code = error.problem?.code ?? 'service-refused';
      detail =
        error.problem?.detail ??
        `The ${error.service} service refused the request.`;
      errors = error.problem?.errors;
      const retryAfter = error.problem?.retryAfter;
      if (retryAfter !== undefined) headers = {'Retry-After': retryAfter};
    } else {
      const failure = error.failure === 'rejected' ? 'failed' : error.failure;
      const answer = DOWNSTREAM_ANSWER[failure];
      ({status, code} = answer);
      detail = `The ${error.service} service ${answer.says}.`;
    }
  }

  const problem: Problem = {
    type: PROBLEM_TYPE_PREFIX + code,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    code,
    detail,
  };
  if (instance !== undefined) problem.instance = instance;
  if (requestId !== undefined) problem.requestId = requestId;
  if (errors !== undefined && errors.length > 0) problem.errors = errors;
  return {problem, headers};
}

/**
 * What the local Identity Toolkit (identity-toolkit.ts) reads from a
 * request and how it answers: the body's JSON and credentials, custom
 * claims without the reserved ones, and errors in Identity Toolkit's form,
 * `400 {"error": {"code": 400, "message": "INVALID_LOGIN_CREDENTIALS", ...}}`.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';

/** Bodies here are a few fields; anything larger is refused before it is read. */
const MAX_BODY_BYTES = 16 * 1024;
/** Claims Identity Platform refuses as custom claims: they would change what a token means. */
const RESERVED_CLAIMS = new Set([
  'acr',
  'amr',
  'at_hash',
  'aud',
  'auth_time',
  'azp',
  'cnf',
  'c_hash',
  'exp',
  'firebase',
  'iat',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'sub',
  'user_id',
]);

/** A refusal, answered in Identity Toolkit's error form. */
export class ToolkitError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
};

/** The email (lower-cased) and password of a sign-up or sign-in body. */
export function credentialsOf(body: Record<string, unknown>) {
  const {email, password} = body;
  if (typeof email !== 'string' || email === '')
    throw new ToolkitError(400, 'MISSING_EMAIL');
  if (!/^[^@\s]+@[^@\s]+$/.test(email))
    throw new ToolkitError(400, 'INVALID_EMAIL');
  if (typeof password !== 'string' || password === '')
    throw new ToolkitError(400, 'MISSING_PASSWORD');
  return {email: email.toLowerCase(), password};
}

/** `customAttributes`: a JSON object in a string, without reserved claims. */
export function claimsOf(value: unknown): Record<string, unknown> {
  let claims: unknown;
  try {
    claims = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    claims = undefined;
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims))
    throw new ToolkitError(400, 'INVALID_CLAIMS');
  const reserved = Object.keys(claims).find(k => RESERVED_CLAIMS.has(k));
  if (reserved !== undefined)
    throw new ToolkitError(400, `FORBIDDEN_CLAIM : ${reserved}`);
  return claims as Record<string, unknown>;
}

/** The body, a JSON object of at most MAX_BODY_BYTES. */
export async function readJson(
  req: IncomingMessage,
): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ToolkitError(413, 'Request too large');
    chunks.push(chunk);
  }
  try {
    const body: unknown = JSON.parse(
      Buffer.concat(chunks).toString('utf8') || '{}',
    );
    if (body !== null && typeof body === 'object' && !Array.isArray(body))
      return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new ToolkitError(400, 'Invalid JSON payload received.');
}

export function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {'Content-Type': 'application/json; charset=UTF-8'});
  res.end(JSON.stringify(body));
}

/** Any error as Identity Toolkit answers one: ours with its status, anything else a 500. */
export function sendError(res: ServerResponse, e: unknown): void {
  const error =
    e instanceof ToolkitError ? e : new ToolkitError(500, 'INTERNAL');
  send(res, error.status, {
    error: {
      code: error.status,
      message: error.message,
      errors: [{message: error.message, domain: 'global', reason: 'invalid'}],
      ...(STATUS_NAMES[error.status]
        ? {status: STATUS_NAMES[error.status]}
        : {}),
    },
  });
}

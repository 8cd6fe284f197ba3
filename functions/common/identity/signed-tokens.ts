/**
 * What every check of a signed ID token shares, whoever issued it: the
 * bearer header's form, the header (RS256 with a key id, nothing else), the
 * signature against the issuer's published keys, issuer, audience and
 * times, by google-auth-library, and a cache of tokens already verified.
 * The service-account check (verifier.ts) and the end-user check
 * (end-user.ts) each add the claims that matter to them.
 */
import type {Certificates, OAuth2Client} from 'google-auth-library';
import {z} from 'zod';
import {givenOrOnFirstUse} from '../platform/lazy';
import {HttpError, UnauthorizedError} from '../protocol/problem';
import {googleAuthLibrary} from './google-auth';

/** The claims this project reads, from either kind of token. */
export interface TokenClaims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  iat?: unknown;
  sub?: unknown;
  email?: unknown;
  email_verified?: unknown;
  auth_time?: unknown;
  role?: unknown;
}

export interface SignedTokenOptions {
  /** The `aud` tokens must carry. */
  audience: string;
  /** The `iss` tokens must carry. */
  issuer: string;
  /** Where the issuer publishes its keys ({kid: PEM}). */
  certsUrl: string;
  /**
   * Verifies signatures and caches the issuer's keys; built from certsUrl
   * and issuer by default, when the first token is checked.
   */
  client?: OAuth2Client;
  /** Seconds since the epoch; injectable for tests. */
  now?: () => number;
  /** How many verified tokens to remember (1000). */
  maxCachedTokens?: number;
}

/**
 * What can be wrong with a bearer token, as a problem `code` and the words
 * its detail says ("The bearer token has expired."): safe to tell the
 * caller, never the token itself.
 */
export const TOKEN_FAULTS = {
  'token-malformed': 'is malformed',
  'token-unknown-key': 'is signed by an unknown key',
  'token-bad-signature': 'has an invalid signature',
  'token-expired': 'has expired',
  'token-not-yet-valid': 'is not valid yet',
  'token-lifetime-too-long': 'lives too long',
  'token-wrong-issuer': 'is from an untrusted issuer',
  'token-wrong-audience': 'is for another audience',
  'token-missing-times': 'lacks its times',
  'token-wrong-algorithm': 'is not signed with RS256',
  'token-no-key-id': 'names no signing key',
  'token-invalid': 'is invalid',
  'token-no-verified-email': 'has no verified email',
  'token-no-user': 'names no user',
  'token-bad-user': 'names an invalid user',
  'token-no-sign-in-time': 'has no valid sign-in time',
  // The account's state now, where it is checked (end-user.ts checkRevoked).
  'token-revoked': 'has been revoked',
  'account-disabled': 'is of a disabled account',
  'account-deleted': 'is of an account that no longer exists',
} as const;
export type TokenFault = keyof typeof TOKEN_FAULTS;

// google-auth-library puts the whole token into its error messages, so they
// are never shown or logged; this maps them to a fault that is safe to say.
const LIBRARY_FAULTS: [RegExp, TokenFault][] = [
  [/^Wrong number of segments|^Can't parse/, 'token-malformed'],
  [/^No pem found/, 'token-unknown-key'],
  [/^Invalid token signature/, 'token-bad-signature'],
  [/^Token used too late/, 'token-expired'],
  [/^Token used too early/, 'token-not-yet-valid'],
  [/^Expiration time too far/, 'token-lifetime-too-long'],
  [/^Invalid issuer/, 'token-wrong-issuer'],
  [/^Wrong recipient/, 'token-wrong-audience'],
  [/^No (issue|expiration) time|invalid format/, 'token-missing-times'],
];

/** How google-auth-library's message begins when it cannot fetch the keys. */
const KEYS_UNREACHABLE = 'Failed to retrieve verification certificates';

/** google-auth-library's allowance for clock skew, applied to cached tokens too. */
export const CLOCK_SKEW_S = 300;
/** Enough for every caller's current token many times over; bounds memory. */
const MAX_CACHED_TOKENS = 1000;

/** What a google-auth-library verification error means, safe to tell the caller. */
export function faultOf(message: string): TokenFault {
  return (
    LIBRARY_FAULTS.find(([pattern]) => pattern.test(message))?.[1] ??
    'token-invalid'
  );
}

/** A 401 saying what is wrong with the token, never what it is. */
export function invalid(fault: TokenFault): UnauthorizedError {
  return new UnauthorizedError(
    fault,
    `The bearer token ${TOKEN_FAULTS[fault]}.`,
  );
}

/**
 * The 503 for a token that cannot be checked now (the issuer's keys, or
 * the account, out of reach): refused, never let through, and worth a
 * retry. `cause` is for the log only.
 */
export function credentialsUnverifiable(cause?: unknown): HttpError {
  const error = new HttpError(
    503,
    'credentials-unverifiable',
    'Credentials cannot be verified right now.',
  );
  if (cause !== undefined) error.cause = cause;
  return error;
}

/** The 401 for a request without a usable bearer token: it names the scheme, no error (RFC 6750 3.1). */
export function tokenRequired(): UnauthorizedError {
  return new UnauthorizedError(
    'token-required',
    'A bearer token is required.',
    true,
  );
}

/**
 * The token of an `Authorization: Bearer <jwt>` value. Only the header is
 * read: a token in the query string or the body is never looked at.
 * @param required the refusal when there is none, or it is not three segments
 */
export function bearerToken(
  authorization: string | undefined,
  required: () => UnauthorizedError = tokenRequired,
): string {
  const match = /^Bearer +([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization ?? '');
  if (!match) throw required();
  return match[1];
}

/** The JSON of one base64url segment of a token, or undefined if it is not an object. */
export function segmentOf(
  token: string,
  index: 0 | 1,
): Record<string, unknown> | undefined {
  try {
    const parsed = SEGMENT.safeParse(
      JSON.parse(
        Buffer.from(token.split('.')[index], 'base64url').toString('utf8'),
      ),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A token's header or claims: a JSON object, whatever its members. */
const SEGMENT = z.record(z.string(), z.unknown());

/**
 * How the issuer's keys are fetched (gaxios options): every request
 * checking a token waits on that one fetch, so a stalled or misbehaving
 * endpoint must fail it (a 503) within seconds, not hold them all. The
 * keys' URL answers itself, so a redirect is an error, and a key set is a
 * few kilobytes, so a longer answer is refused by its Content-Length.
 * (gaxios reads its own `maxRedirects` from a request's options only, not
 * from a client's defaults; `redirect` is fetch's.)
 */
export const KEYS_FETCH = {
  timeout: 5_000,
  redirect: 'error' as const,
  maxContentLength: 256 * 1024,
};

/**
 * Verifies signed tokens of one issuer for one audience, remembering those
 * that passed.
 */
export class SignedTokens {
  private readonly client: () => OAuth2Client;
  readonly now: () => number;
  /**
   * Tokens whose signature has been verified, keyed by the whole token
   * (signature included), so only the very same bytes skip the RSA check.
   * Callers reuse a token for most of its hour, so nearly every request
   * hits; issuer and audience were checked with the signature, and expiry
   * is checked again on every request.
   */
  private readonly verified = new Map<string, TokenClaims>();
  /** The fetch of the issuer's keys under way, shared by all who need them. */
  private keysInFlight?: Promise<{certs: Certificates}>;

  constructor(private readonly options: SignedTokenOptions) {
    this.client = givenOrOnFirstUse(
      options.client,
      () =>
        // Fetched with gaxios's own fetch (node-fetch), which the Firestore
        // client and the metadata server's client load anyway on a first
        // request: Node's fetch would add a second HTTP client's load to it.
        new (googleAuthLibrary().OAuth2Client)({
          endpoints: {oauth2FederatedSignonPemCertsUrl: options.certsUrl},
          issuers: [options.issuer],
          transporterOptions: KEYS_FETCH,
        }),
    );
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  /**
   * The issuer's keys, cached by the client for as long as the issuer's
   * Cache-Control allows. The client does not share a fetch in progress:
   * without this, each request arriving before the first fetch ends (a
   * burst at an instance's start) would make its own. A failed fetch is
   * not kept: the next request tries again.
   */
  private keys(client: OAuth2Client): Promise<{certs: Certificates}> {
    this.keysInFlight ??= client
      .getFederatedSignonCertsAsync()
      .finally(() => (this.keysInFlight = undefined));
    return this.keysInFlight;
  }

  /**
   * Resolves to the claims of a token signed by the issuer's keys, for the
   * audience, and unexpired.
   * @throws UnauthorizedError (401) naming what is wrong,
   *   HttpError (503) when the issuer's keys cannot be fetched.
   */
  async verify(token: string): Promise<TokenClaims> {
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      // As google-auth-library judges a new token: late only past the allowance.
      if (this.now() <= Number(cached.exp) + CLOCK_SKEW_S) return cached;
      this.verified.delete(token);
      throw invalid('token-expired');
    }
    const claims = await this.verifySignature(token);
    if (
      this.verified.size >= (this.options.maxCachedTokens ?? MAX_CACHED_TOKENS)
    ) {
      // Maps iterate in insertion order: drop the oldest.
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignature(token: string): Promise<TokenClaims> {
    // google-auth-library verifies with RSA-SHA256 whatever the header says;
    // saying so here refuses "none", HS256 and the rest by name, before any
    // key is fetched.
    const header = segmentOf(token, 0);
    if (header === undefined) throw invalid('token-malformed');
    if (header.alg !== 'RS256') throw invalid('token-wrong-algorithm');
    if (typeof header.kid !== 'string') throw invalid('token-no-key-id');
    // Built (its library loaded) outside the try below: a library that
    // cannot load is this function's fault, logged as one, not the keys'.
    const client = this.client();
    try {
      await this.keys(client);
    } catch {
      throw credentialsUnverifiable();
    }
    try {
      // The library's own check: the keys it now holds, the issuer it was
      // built with (`issuers`), the audience, the times.
      const ticket = await client.verifyIdToken({
        idToken: token,
        audience: this.options.audience,
      });
      return ticket.getPayload() ?? {};
    } catch (e: unknown) {
      const message = e instanceof Error ? e.message : '';
      // The keys expired between the two calls and could not be fetched again.
      if (message.startsWith(KEYS_UNREACHABLE)) throw credentialsUnverifiable();
      throw invalid(faultOf(message));
    }
  }
}

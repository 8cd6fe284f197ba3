/**
 * Checks the ID token on an incoming call. Deny by default: a request gets
 * through only with a bearer token that is (in `verify` mode) signed by the
 * configured issuer's keys, unexpired, issued for this function's own URL,
 * and whose verified email is on this function's allowlist.
 */
import {OAuth2Client} from 'google-auth-library';
import type {AuthConfig} from '../config';
import {ForbiddenError, HttpError, UnauthorizedError} from '../problem';

/** The claims this project relies on. */
export interface IdTokenClaims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  iat?: unknown;
  email?: unknown;
  email_verified?: unknown;
}

export interface VerifierOptions extends AuthConfig {
  mode: 'verify' | 'platform';
  /** Verifies signatures and caches the issuer's keys; built from certsUrl by default. */
  client?: OAuth2Client;
  /** Seconds since the epoch; injectable for tests. */
  now?: () => number;
  /** How many verified tokens to remember (1000). */
  maxCachedTokens?: number;
}

// google-auth-library puts the whole token into its error messages, so they
// are never shown or logged; this maps them to a reason that is safe to say.
const REASONS: [RegExp, string][] = [
  [/^Wrong number of segments|^Can't parse/, 'is malformed'],
  [/^No pem found/, 'is signed by an unknown key'],
  [/^Invalid token signature/, 'has an invalid signature'],
  [/^Token used too late/, 'has expired'],
  [/^Token used too early/, 'is not valid yet'],
  [/^Expiration time too far/, 'lives too long'],
  [/^Invalid issuer/, 'is from an untrusted issuer'],
  [/^Wrong recipient/, 'is for another audience'],
  [/^No (issue|expiration) time|invalid format/, 'lacks its times'],
];

/** google-auth-library's allowance for clock skew, applied to cached tokens too. */
const CLOCK_SKEW_S = 300;
/** Enough for every caller's current token many times over; bounds memory. */
const MAX_CACHED_TOKENS = 1000;

/** What a google-auth-library verification error means, safe to tell the caller. */
export function reasonFor(message: string): string {
  const reason = REASONS.find(([pattern]) => pattern.test(message));
  return reason ? reason[1] : 'is invalid';
}

function invalid(reason: string): UnauthorizedError {
  return new UnauthorizedError(`The bearer token ${reason}.`);
}

/** Verifies incoming tokens for one function. */
export class TokenVerifier {
  private readonly client: OAuth2Client;
  private readonly now: () => number;
  /**
   * Tokens whose signature has been verified, keyed by the whole token
   * (signature included), so only the very same bytes skip the RSA check.
   * Callers reuse a token for most of its hour, so nearly every request
   * hits; issuer and audience were checked with the signature, and expiry
   * and the allowlist are checked on every request.
   */
  private readonly verified = new Map<string, IdTokenClaims>();

  constructor(private readonly options: VerifierOptions) {
    this.client =
      options.client ??
      new OAuth2Client({
        endpoints: {oauth2FederatedSignonPemCertsUrl: options.certsUrl},
      });
    this.now = options.now ?? (() => Date.now() / 1000);
  }

  /**
   * Resolves to the caller's service account email.
   * @throws UnauthorizedError (401) for a missing or invalid token,
   *   ForbiddenError (403) for a valid token from a caller not on the list.
   */
  async authenticate(authorization: string | undefined): Promise<string> {
    const email = await this.verify(authorization);
    if (!this.options.allowedCallers.includes(email)) {
      throw new ForbiddenError(
        'This caller is not allowed to call this function.',
      );
    }
    return email;
  }

  /**
   * Resolves to the verified email of the token's account, whoever it is:
   * the check `authenticate` makes before the allowlist.
   * @throws UnauthorizedError (401) for a missing or invalid token.
   */
  async verify(authorization: string | undefined): Promise<string> {
    const match = /^Bearer +([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(
      authorization ?? '',
    );
    if (!match) {
      throw new UnauthorizedError('A bearer token is required.');
    }
    const token = match[1];
    const claims =
      this.options.mode === 'verify'
        ? await this.verifySigned(token)
        : this.checkPlatformVerified(token);

    if (typeof claims.email !== 'string' || claims.email_verified !== true) {
      throw invalid('has no verified email');
    }
    return claims.email;
  }

  private async verifySigned(token: string): Promise<IdTokenClaims> {
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if ((cached.exp as number) + CLOCK_SKEW_S > this.now()) return cached;
      this.verified.delete(token);
      throw invalid('has expired');
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

  private async verifySignature(token: string): Promise<IdTokenClaims> {
    let certs;
    try {
      // Cached by the client for as long as the issuer's Cache-Control allows.
      certs = (await this.client.getFederatedSignonCertsAsync()).certs;
    } catch {
      throw new HttpError(503, 'Credentials cannot be verified right now.');
    }
    try {
      const ticket = await this.client.verifySignedJwtWithCertsAsync(
        token,
        certs,
        this.options.audience,
        [this.options.issuer],
      );
      return ticket.getPayload() ?? {};
    } catch (e: unknown) {
      throw invalid(reasonFor(e instanceof Error ? e.message : ''));
    }
  }

  /**
   * Cloud Run's IAM check has verified the signature before the request
   * reached us (and may have replaced it with SIGNATURE_REMOVED_BY_GOOGLE),
   * so only the claims are checked here.
   */
  private checkPlatformVerified(token: string): IdTokenClaims {
    let claims: IdTokenClaims;
    try {
      claims = JSON.parse(
        Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
      ) as IdTokenClaims;
    } catch {
      throw invalid('is malformed');
    }
    if (claims === null || typeof claims !== 'object')
      throw invalid('is malformed');
    if (claims.iss !== this.options.issuer)
      throw invalid('is from an untrusted issuer');
    if (claims.aud !== this.options.audience)
      throw invalid('is for another audience');
    if (typeof claims.exp !== 'number' || claims.exp <= this.now()) {
      throw invalid('has expired');
    }
    return claims;
  }
}

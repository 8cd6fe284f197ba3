/**
 * Checks the ID token on an incoming call. Deny by default: a request gets
 * through only with a bearer token that is (in `verify` mode) signed by the
 * configured issuer's keys, unexpired, issued for this function's own URL,
 * and whose verified email is on this function's allowlist.
 */
import type {AuthConfig} from '../platform/config';
import {ForbiddenError} from '../protocol/problem';
import {
  bearerToken,
  CLOCK_SKEW_S,
  invalid,
  segmentOf,
  SignedTokens,
  type SignedTokenOptions,
  type TokenClaims,
} from './signed-tokens';

export interface VerifierOptions
  extends AuthConfig, Omit<SignedTokenOptions, keyof AuthConfig> {
  mode: 'verify' | 'platform';
}

/** Verifies incoming tokens for one function. */
export class TokenVerifier {
  private readonly tokens: SignedTokens;

  constructor(private readonly options: VerifierOptions) {
    this.tokens = new SignedTokens(options);
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
        'caller-not-allowed',
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
    const token = bearerToken(authorization);
    const claims =
      this.options.mode === 'verify'
        ? await this.tokens.verify(token)
        : this.checkPlatformVerified(token);

    if (typeof claims.email !== 'string' || claims.email_verified !== true) {
      throw invalid('token-no-verified-email');
    }
    return claims.email;
  }

  /**
   * Cloud Run's IAM check has verified the signature before the request
   * reached us (and may have replaced it with SIGNATURE_REMOVED_BY_GOOGLE),
   * so only the claims are checked here.
   */
  private checkPlatformVerified(token: string): TokenClaims {
    const claims: TokenClaims | undefined = segmentOf(token, 1);
    if (claims === undefined) throw invalid('token-malformed');
    if (claims.iss !== this.options.issuer) throw invalid('token-wrong-issuer');
    if (claims.aud !== this.options.audience)
      throw invalid('token-wrong-audience');
    // The same allowance for clocks as a verified token gets (signed-tokens.ts).
    if (
      typeof claims.exp !== 'number' ||
      this.tokens.now() > claims.exp + CLOCK_SKEW_S
    ) {
      throw invalid('token-expired');
    }
    return claims;
  }
}

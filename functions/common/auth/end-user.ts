/**
 * Checks the end user's ID token: Identity Platform's on Google Cloud, the
 * local identity server's on this machine. Every function checks it itself,
 * whoever called: the gateway so that it refuses early, the internal
 * functions so that a caller that forgot a check (or was made to forget)
 * still cannot read another user's data. Checks, in order, each with its own
 * reason (after firebase-admin's token verifier): the header (RS256, a key
 * id), the signature against the issuer's published keys, issuer, audience
 * (the project), expiry and issue time (signed-tokens.ts), then `sub` (the
 * uid: a non-empty string of at most 128 characters) and `auth_time` (when
 * the user signed in: not in the future).
 */
import {
  bearerToken,
  CLOCK_SKEW_S,
  invalid,
  SignedTokens,
  type SignedTokenOptions,
} from './signed-tokens';
import {UnauthorizedError} from '../problem';

/** Where end-user tokens come from: the functions' END_USER_* configuration. */
export interface EndUserConfig {
  /** `https://securetoken.google.com/<project>`. */
  issuer: string;
  /** The project id. */
  audience: string;
  /** Identity Platform's signing keys, or the local identity server's. */
  certsUrl: string;
}

/** A signed-in person, as their verified token says. */
export interface EndUser {
  uid: string;
  /** The custom claim `role: "admin"`, set only through Identity Platform's admin API. */
  admin: boolean;
  /** From the token; never logged. */
  email?: string;
  /**
   * The token's `email_verified`: whether Identity Platform saw the person
   * prove the address. Anyone may sign up with any address, so an
   * unverified one says nothing about who owns it.
   */
  emailVerified: boolean;
}

/** Identity Platform's longest uid. */
const MAX_UID_LENGTH = 128;

/** The 401 for a request without an end user's bearer token, or with a malformed one. */
function endUserTokenRequired(): UnauthorizedError {
  return new UnauthorizedError(
    'end-user-token-required',
    "An end user's ID token is required, in the Authorization header.",
    true,
  );
}

export class EndUserVerifier {
  private readonly tokens: SignedTokens;

  constructor(options: SignedTokenOptions) {
    this.tokens = new SignedTokens(options);
  }

  /**
   * Resolves to the end user of an `Authorization: Bearer <ID token>` value.
   * @throws UnauthorizedError (401) naming what is wrong with the token,
   *   HttpError (503) when the issuer's keys cannot be fetched.
   */
  async authenticate(authorization: string | undefined): Promise<EndUser> {
    const claims = await this.tokens.verify(
      bearerToken(authorization, endUserTokenRequired),
    );
    const {sub, auth_time: authTime, email, email_verified, role} = claims;
    if (typeof sub !== 'string' || sub.length === 0)
      throw invalid('token-no-user');
    if (sub.length > MAX_UID_LENGTH) throw invalid('token-bad-user');
    // The same allowance for clocks that the token's own times get.
    if (
      typeof authTime !== 'number' ||
      authTime > this.tokens.now() + CLOCK_SKEW_S
    )
      throw invalid('token-no-sign-in-time');
    return {
      uid: sub,
      admin: role === 'admin',
      ...(typeof email === 'string' ? {email} : {}),
      emailVerified: email_verified === true,
    };
  }
}

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
 * the user signed in: not in the future). Where a token's word is not
 * enough (admin routes), `checkRevoked` adds what firebase-admin's
 * `verifyIdToken(token, checkRevoked)` adds, against the account as it is
 * now (accounts.ts): it still exists, is not disabled, and its tokens were
 * not revoked after this one's sign-in; and, beyond firebase-admin, the
 * admin claim counts only while the account still holds it, since
 * removing a custom claim revokes no token.
 */
import type {AccountSource} from './accounts';
import {
  bearerToken,
  CLOCK_SKEW_S,
  credentialsUnverifiable,
  invalid,
  SignedTokens,
  type SignedTokenOptions,
} from './signed-tokens';
import {UnauthorizedError} from '../protocol/problem';

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

export interface EndUserVerifierOptions extends SignedTokenOptions {
  /**
   * The accounts `checkRevoked` reads. Without it, `checkRevoked` refuses
   * (fails closed): a check asked for is never skipped.
   */
  accounts?: AccountSource;
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

/** Whether the custom claims make an admin: exactly `role: "admin"`. */
const isAdminClaim = (claims: {role?: unknown}) => claims.role === 'admin';

export class EndUserVerifier {
  private readonly tokens: SignedTokens;
  private readonly accounts?: AccountSource;

  constructor(options: EndUserVerifierOptions) {
    this.tokens = new SignedTokens(options);
    this.accounts = options.accounts;
  }

  /**
   * Resolves to the end user of an `Authorization: Bearer <ID token>` value.
   * @param checkRevoked also check the account as it is now (one lookup,
   *   or its answer kept a bounded time): firebase-admin's checkRevoked,
   *   and `admin` only while the account still holds the claim.
   * @throws UnauthorizedError (401) naming what is wrong with the token,
   *   or, with checkRevoked, that its account is gone or disabled or its
   *   tokens revoked; HttpError (503) when the issuer's keys, or the
   *   account, cannot be fetched.
   */
  async authenticate(
    authorization: string | undefined,
    checkRevoked = false,
  ): Promise<EndUser> {
    const claims = await this.tokens.verify(
      bearerToken(authorization, endUserTokenRequired),
    );
    const {sub, auth_time: authTime, email, email_verified} = claims;
    if (typeof sub !== 'string' || sub.length === 0)
      throw invalid('token-no-user');
    if (sub.length > MAX_UID_LENGTH) throw invalid('token-bad-user');
    // The same allowance for clocks that the token's own times get.
    if (
      typeof authTime !== 'number' ||
      authTime > this.tokens.now() + CLOCK_SKEW_S
    )
      throw invalid('token-no-sign-in-time');
    const admin = isAdminClaim(claims);
    return {
      uid: sub,
      admin: checkRevoked ? await this.stillAdmin(sub, authTime, admin) : admin,
      ...(typeof email === 'string' ? {email} : {}),
      emailVerified: email_verified === true,
    };
  }

  /**
   * Whether a token of `uid`, signed in at `authTime` and saying `admin`,
   * still makes an admin, in firebase-admin's order: the account exists,
   * is enabled, and revoked no token signed in before `validSince`
   * (compared in seconds, as firebase-admin compares `auth_time`: a token
   * refreshed after a revocation keeps its sign-in time, so only signing
   * in again makes a good one); then its claims now.
   * @throws UnauthorizedError when it does not hold, HttpError (503) when
   *   the account cannot be read (or there is nowhere to read it).
   */
  private async stillAdmin(
    uid: string,
    authTime: number,
    admin: boolean,
  ): Promise<boolean> {
    if (this.accounts === undefined) throw credentialsUnverifiable();
    const account = await this.accounts.account(uid);
    if (account === undefined) throw invalid('account-deleted');
    if (account.disabled) throw invalid('account-disabled');
    if (account.validSince !== undefined && authTime < account.validSince)
      throw invalid('token-revoked');
    return admin && isAdminClaim(account.claims);
  }
}

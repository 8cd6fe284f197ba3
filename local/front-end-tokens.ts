/**
 * How the local Cloud Run front end checks a caller's ID token: with
 * google-auth-library's own verification, against the certificates the
 * issuer publishes (the local identity server's `oauth2/v1/certs`):
 * signature, issuer, audience = the function's URL, issue and expiry
 * times; then the verified email it names, which the IAM check looks up.
 *
 * It shares no code with the functions' own check (functions/common/identity):
 * on Google Cloud the front end is Google's code, not the function's, so a
 * fault in the function's check is still caught at the front end. Here too,
 * whatever is wrong with the functions' verifier, a token reaches them only
 * if this check, written apart, passed it.
 */
import {OAuth2Client} from 'google-auth-library';

export interface FrontEndTokenOptions {
  /** The function's URL: the audience its callers' tokens must name. */
  audience: string;
  /** The `iss` tokens must carry. */
  issuer: string;
  /** Where the issuer publishes its certificates ({kid: PEM}). */
  certsUrl: string;
}

/** A token that does not verify: the front end's 401. */
export class TokenRefused extends Error {}

/** The issuer's certificates could not be had: the front end's 503. */
export class CertificatesUnavailable extends Error {}

// google-auth-library's errors carry the whole token, so they are never
// logged: each becomes a few words that say which check failed.
const REASONS: [RegExp, string][] = [
  [/^Wrong number of segments|^Can't parse/, 'malformed'],
  [/^No pem found/, 'unknown signing key'],
  [/^Invalid token signature/, 'bad signature'],
  [/^Token used too late/, 'expired'],
  [/^Token used too early/, 'not valid yet'],
  [/^Expiration time too far/, 'lives too long'],
  [/^Invalid issuer/, 'wrong issuer'],
  [/^Wrong recipient/, 'wrong audience'],
  [/^No (issue|expiration) time|invalid format/, 'no valid times'],
];

/** Which check a google-auth-library verification error says failed. */
export function reasonOf(e: unknown): string {
  const message = e instanceof Error ? e.message : '';
  return REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? 'invalid';
}

/** Checks callers' tokens for one function, as its front end. */
export class FrontEndTokens {
  private readonly client: OAuth2Client;

  constructor(private readonly options: FrontEndTokenOptions) {
    // The client caches the certificates as long as their Cache-Control says.
    this.client = new OAuth2Client({
      endpoints: {oauth2FederatedSignonPemCertsUrl: options.certsUrl},
      transporterOptions: {timeout: 5_000},
    });
  }

  /**
   * Resolves to the verified email of the account whose token
   * `authorization` (`Bearer <jwt>`) carries.
   * @throws TokenRefused for anything but a valid token with a verified
   *   email, CertificatesUnavailable when the issuer's keys cannot be fetched.
   */
  async callerOf(authorization: string): Promise<string> {
    const token = /^Bearer +(\S+)$/i.exec(authorization)?.[1];
    if (token === undefined) throw new TokenRefused('not a bearer token');
    let certs;
    try {
      ({certs} = await this.client.getFederatedSignonCertsAsync());
    } catch {
      throw new CertificatesUnavailable('the certificates could not be had');
    }
    let payload;
    try {
      const ticket = await this.client.verifySignedJwtWithCertsAsync(
        token,
        certs,
        this.options.audience,
        [this.options.issuer],
      );
      payload = ticket.getPayload();
    } catch (e: unknown) {
      throw new TokenRefused(reasonOf(e));
    }
    if (typeof payload?.email !== 'string' || payload.email_verified !== true)
      throw new TokenRefused('no verified email');
    return payload.email;
  }
}

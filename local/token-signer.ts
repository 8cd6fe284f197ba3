/**
 * Signs RS256 ID tokens shaped like Google's, for the local identity server
 * and for tests that need a token with something wrong in it.
 */
import {
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import {selfSignedCertificate} from './x509';

export interface IdTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  azp: string;
  email: string;
  email_verified: boolean;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

const b64url = (data: Buffer | string) =>
  Buffer.from(data).toString('base64url');

export class TokenSigner {
  readonly keyId = randomBytes(8).toString('hex');
  private readonly privateKey: KeyObject;
  /** PEM of the public key. */
  readonly publicKeyPem: string;
  /** PEM of a self-signed certificate of the key, as published at the certs URL. */
  readonly certificatePem: string;

  constructor() {
    const {privateKey, publicKey} = generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    this.privateKey = privateKey;
    this.publicKeyPem = publicKey
      .export({type: 'spki', format: 'pem'})
      .toString();
    this.certificatePem = selfSignedCertificate(
      privateKey,
      publicKey,
      'local-identity-server',
    );
  }

  /** Signs `claims` as a compact JWS. */
  sign(
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
  ): string {
    const head = b64url(
      JSON.stringify({alg: 'RS256', typ: 'JWT', kid: this.keyId, ...header}),
    );
    const body = b64url(JSON.stringify(claims));
    const signature = sign(
      'sha256',
      Buffer.from(`${head}.${body}`),
      this.privateKey,
    );
    return `${head}.${body}.${b64url(signature)}`;
  }

  /**
   * The certs document: key id to X.509 certificate, as Google's certs URLs
   * serve it (and google-auth-library, Java's, Go's verifiers read it).
   */
  certs(): Record<string, string> {
    return {[this.keyId]: this.certificatePem};
  }
}

/** Claims of a token for `email` with `audience`, valid for `lifetimeS` from `now`. */
export function claimsFor(
  issuer: string,
  email: string,
  audience: string,
  lifetimeS = 3600,
  now = Math.floor(Date.now() / 1000),
): IdTokenClaims {
  return {
    iss: issuer,
    aud: audience,
    // Google puts the account's numeric id here; a stable stand-in will do.
    sub: String(BigInt('0x' + Buffer.from(email).toString('hex').slice(0, 15))),
    azp: email,
    email,
    email_verified: true,
    iat: now,
    exp: now + lifetimeS,
  };
}

/**
 * The local stand-in for Identity Platform: end users' accounts, and the
 * part of the Identity Toolkit REST API that a client and an admin use, at
 * the same paths and with the same answers (a client library pointed at the
 * base URL works unchanged):
 *
 *   POST /v1/accounts:signUp?key=K              {email, password} -> a new account's tokens
 *   POST /v1/accounts:signInWithPassword?key=K  {email, password} -> tokens
 *   POST /v1/[projects/P/]accounts:update       {localId, customAttributes?, emailVerified?,
 *                                                disableUser?, validSince?} (admin token)
 *   POST /v1/[projects/P/]accounts:delete       {localId} (admin token)
 *   POST /v1/[projects/P/]accounts:lookup       {localId: [uid]} (admin token, or a reader's:
 *                                                a function's access token)
 *
 * Unlike the Firebase Auth emulator, whose ID tokens are unsigned, tokens
 * here are signed RS256 with a key of their own, published at a certs URL
 * in the {kid: PEM} form Google's is, so the functions verify them exactly
 * as they verify Identity Platform's. Errors are Identity Toolkit's:
 * `400 {"error": {"code": 400, "message": "INVALID_LOGIN_CREDENTIALS", ...}}`.
 */
import {randomBytes, randomInt, scryptSync, timingSafeEqual} from 'node:crypto';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {identityPlatformIssuer} from '../functions/common/platform/variables';
import {
  claimsOf,
  credentialsOf,
  readJson,
  send,
  sendError,
  ToolkitError,
} from './identity-requests';
import {TokenSigner} from './token-signer';

/** An account to create at start, e.g. a seed user. */
export interface SeedAccount {
  email: string;
  password: string;
  uid: string;
  /** Custom claims, as accounts:update would set them (`{role: 'admin'}`). */
  claims?: Record<string, unknown>;
}

interface Account {
  uid: string;
  email: string;
  /** Whether the address is proven: false from sign-up until accounts:update says so. */
  emailVerified: boolean;
  salt: Buffer;
  hash: Buffer;
  claims: Record<string, unknown>;
  /** accounts:update's disableUser: no sign-in, and checkRevoked refuses its tokens. */
  disabled: boolean;
  /** Seconds: tokens signed in before it are revoked (accounts:update's validSince). */
  validSince?: number;
}

const TOKEN_LIFETIME_S = 3600;
/** Identity Platform's minimum. */
const MIN_PASSWORD_LENGTH = 6;
const UID_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An Identity Platform uid: 28 letters and digits. */
function newUid(): string {
  let uid = '';
  for (let i = 0; i < 28; i++)
    uid += UID_ALPHABET[randomInt(UID_ALPHABET.length)];
  return uid;
}

/** A password for a local account: random, so no two stacks share one. */
export function newPassword(): string {
  return randomBytes(9).toString('base64url');
}

const hashOf = (password: string, salt: Buffer) =>
  scryptSync(password, salt, 32);

/** A boolean field of a request, or Identity Toolkit's 400 naming it. */
function flag(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean')
    throw new ToolkitError(400, `Invalid value at '${name}'`);
  return value;
}

/** Whether two secrets are the same, in a time that does not tell how much of them is. */
function sameSecret(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class IdentityToolkit {
  /** Signs end users' ID tokens; its key is not the service accounts'. */
  readonly signer = new TokenSigner();
  /** What a client passes as `?key=`. */
  readonly apiKey = `local-${randomBytes(12).toString('base64url')}`;
  /** The bearer token of the admin API (accounts:update, accounts:delete), as an OAuth access token would be. */
  readonly adminToken = `local-admin-${randomBytes(18).toString('base64url')}`;
  readonly issuer: string;
  /** accounts:lookup answered so far: what a function's cache saves shows here. */
  lookups = 0;
  private readonly byEmail = new Map<string, Account>();
  /** Access tokens that may read accounts (addReader). */
  private readonly readers = new Set<string>();

  constructor(
    readonly projectId: string,
    seed: SeedAccount[] = [],
    private readonly now = () => Math.floor(Date.now() / 1000),
  ) {
    this.issuer = identityPlatformIssuer(projectId);
    for (const a of seed) this.addAccount(a);
  }

  /**
   * Adds an account as a seed user is added: its address counts as proven,
   * as if they had followed the verification link.
   */
  addAccount(a: SeedAccount): void {
    this.add(a.email, a.password, a.uid, a.claims ?? {}).emailVerified = true;
  }

  /** Whether an account has this email. */
  hasAccount(email: string): boolean {
    return this.byEmail.has(email.toLowerCase());
  }

  /**
   * A new access token that may read accounts (accounts:lookup) and
   * nothing else, as a function's account with roles/firebaseauth.viewer.
   */
  addReader(): string {
    const token = `local-reader-${randomBytes(18).toString('base64url')}`;
    this.readers.add(token);
    return token;
  }

  /** A signed ID token for the account of `email`, as signing in would give. */
  idTokenFor(email: string): string {
    const account = this.byEmail.get(email.toLowerCase());
    if (account === undefined) throw new Error(`no account ${email}`);
    return this.idToken(account);
  }

  /** Serves a request whose path, below the toolkit's base, is `path`. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): Promise<void> {
    try {
      if (req.method !== 'POST') throw new ToolkitError(404, 'Not Found');
      const body = await readJson(req);
      // The admin API takes the project in the path too; it must be ours.
      const inProject = /^\/v1\/projects\/([^/]+)(\/accounts:\w+)$/.exec(path);
      if (inProject !== null && inProject[1] !== this.projectId)
        throw new ToolkitError(404, 'Not Found');
      switch (inProject === null ? path : `/v1${inProject[2]}`) {
        case '/v1/accounts:signUp':
          this.checkKey(query);
          return send(res, 200, this.signUp(body));
        case '/v1/accounts:signInWithPassword':
          this.checkKey(query);
          return send(res, 200, this.signIn(body));
        case '/v1/accounts:update':
          this.checkBearer(req, 'admin');
          return send(res, 200, this.update(body));
        case '/v1/accounts:delete':
          this.checkBearer(req, 'admin');
          return send(res, 200, this.delete(body));
        case '/v1/accounts:lookup':
          this.checkBearer(req, 'reader');
          return send(res, 200, this.lookup(body));
        default:
          throw new ToolkitError(404, 'Not Found');
      }
    } catch (e: unknown) {
      sendError(res, e);
    }
  }

  private checkKey(query: URLSearchParams): void {
    if (query.get('key') !== this.apiKey)
      throw new ToolkitError(
        400,
        'API key not valid. Please pass a valid API key.',
      );
  }

  /**
   * The admin API's bearer token: the admin's does anything, a reader's
   * only reads (403, as IAM refuses a role without the permission);
   * anything else is 401.
   */
  private checkBearer(req: IncomingMessage, needs: 'admin' | 'reader'): void {
    const given = req.headers.authorization ?? '';
    if (sameSecret(given, `Bearer ${this.adminToken}`)) return;
    const reader = [...this.readers].some(t =>
      sameSecret(given, `Bearer ${t}`),
    );
    if (!reader)
      throw new ToolkitError(
        401,
        'Request is missing required authentication credential.',
      );
    if (needs === 'admin')
      throw new ToolkitError(403, 'The caller does not have permission');
  }

  private signUp(body: Record<string, unknown>) {
    const {email, password} = credentialsOf(body);
    if (password.length < MIN_PASSWORD_LENGTH)
      throw new ToolkitError(
        400,
        `WEAK_PASSWORD : Password should be at least ${MIN_PASSWORD_LENGTH} characters`,
      );
    if (this.byEmail.has(email)) throw new ToolkitError(400, 'EMAIL_EXISTS');
    const account = this.add(email, password, newUid(), {});
    return {
      kind: 'identitytoolkit#SignupNewUserResponse',
      ...this.session(account),
    };
  }

  private signIn(body: Record<string, unknown>) {
    const {email, password} = credentialsOf(body);
    const account = this.byEmail.get(email);
    // The same answer for an unknown email and a wrong password, as Identity
    // Platform gives with email enumeration protection on.
    if (
      account === undefined ||
      !timingSafeEqual(hashOf(password, account.salt), account.hash)
    )
      throw new ToolkitError(400, 'INVALID_LOGIN_CREDENTIALS');
    if (account.disabled) throw new ToolkitError(400, 'USER_DISABLED');
    return {
      kind: 'identitytoolkit#VerifyPasswordResponse',
      registered: true,
      displayName: '',
      ...this.session(account),
    };
  }

  private update(body: Record<string, unknown>) {
    const account = this.accountOf(body.localId);
    // Every field read before any is written: a refused update changes nothing.
    const change: Partial<Account> = {};
    if (body.customAttributes !== undefined)
      change.claims = claimsOf(body.customAttributes);
    if (body.emailVerified !== undefined)
      change.emailVerified = flag(body.emailVerified, 'email_verified');
    if (body.disableUser !== undefined)
      change.disabled = flag(body.disableUser, 'disable_user');
    if (body.validSince !== undefined) {
      // An int64 in JSON, so a string of digits (a number is taken too).
      const seconds = Number(body.validSince);
      if (
        !/^\d+$/.test(String(body.validSince)) ||
        !Number.isSafeInteger(seconds)
      )
        throw new ToolkitError(400, "Invalid value at 'valid_since'");
      change.validSince = seconds;
    }
    Object.assign(account, change);
    return {
      kind: 'identitytoolkit#SetAccountInfoResponse',
      localId: account.uid,
      email: account.email,
      emailVerified: account.emailVerified,
    };
  }

  /**
   * The accounts of `localId`'s uids, as Identity Toolkit answers: those
   * that exist, and no `users` at all when none does.
   */
  private lookup(body: Record<string, unknown>) {
    const ids = body.localId;
    if (!Array.isArray(ids) || !ids.every(id => typeof id === 'string'))
      throw new ToolkitError(400, "Invalid value at 'local_id'");
    this.lookups++;
    const users = [...this.byEmail.values()]
      .filter(a => ids.includes(a.uid))
      .map(a => ({
        localId: a.uid,
        email: a.email,
        emailVerified: a.emailVerified,
        ...(a.disabled ? {disabled: true} : {}),
        ...(a.validSince === undefined
          ? {}
          : {validSince: String(a.validSince)}),
        ...(Object.keys(a.claims).length === 0
          ? {}
          : {customAttributes: JSON.stringify(a.claims)}),
      }));
    return {
      kind: 'identitytoolkit#GetAccountInfoResponse',
      ...(users.length === 0 ? {} : {users}),
    };
  }

  private delete(body: Record<string, unknown>) {
    const account = this.accountOf(body.localId);
    this.byEmail.delete(account.email);
    return {kind: 'identitytoolkit#DeleteAccountResponse'};
  }

  private accountOf(localId: unknown): Account {
    for (const account of this.byEmail.values())
      if (account.uid === localId) return account;
    throw new ToolkitError(400, 'USER_NOT_FOUND');
  }

  private add(
    email: string,
    password: string,
    uid: string,
    claims: Record<string, unknown>,
  ): Account {
    const salt = randomBytes(16);
    const account = {
      uid,
      email: email.toLowerCase(),
      emailVerified: false,
      salt,
      hash: hashOf(password, salt),
      claims,
      disabled: false,
    };
    this.byEmail.set(account.email, account);
    return account;
  }

  private session(account: Account) {
    return {
      localId: account.uid,
      email: account.email,
      idToken: this.idToken(account),
      // Opaque; this stand-in has no token endpoint to exchange it at.
      refreshToken: randomBytes(24).toString('base64url'),
      expiresIn: String(TOKEN_LIFETIME_S),
    };
  }

  private idToken(account: Account): string {
    return this.signer.sign(
      endUserClaims(this.projectId, account.uid, account.email, {
        claims: account.claims,
        emailVerified: account.emailVerified,
        now: this.now(),
      }),
    );
  }
}

/**
 * The claims of an Identity Platform ID token for a password user: custom
 * claims at the top level, beside the registered ones.
 */
export function endUserClaims(
  projectId: string,
  uid: string,
  email: string,
  {
    claims = {},
    emailVerified = false,
    now = Math.floor(Date.now() / 1000),
  }: {
    claims?: Record<string, unknown>;
    emailVerified?: boolean;
    now?: number;
  } = {},
): Record<string, unknown> {
  return {
    ...claims,
    iss: identityPlatformIssuer(projectId),
    aud: projectId,
    auth_time: now,
    user_id: uid,
    sub: uid,
    iat: now,
    exp: now + TOKEN_LIFETIME_S,
    email,
    email_verified: emailVerified,
    firebase: {identities: {email: [email]}, sign_in_provider: 'password'},
  };
}

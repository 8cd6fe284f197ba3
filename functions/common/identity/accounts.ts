/**
 * An end user's account as Identity Platform holds it now, for the routes
 * where a token's word is not enough (admin routes, route-rules.ts): a
 * token says what was true when it was issued, for up to an hour; the
 * account says whether it is still there, still enabled, when its tokens
 * were last revoked, and what custom claims it has now. Read with Identity
 * Toolkit's `accounts:lookup`, as the function's own service account (its
 * OAuth access token, access-tokens.ts), each answer kept a bounded time
 * per uid, so an admin's requests cost one lookup per uid and bound, not
 * one each. firebase-admin's `verifyIdToken(token, true)` makes the same
 * check; it is not among this project's packages (the card's), and one
 * REST call as the function's own account is all the check needs.
 */
import {z} from 'zod';
import {answerText} from '../platform/fetch';
import {httpUrl, parseVariables} from '../platform/variables';
import {googleApiHeaders} from './access-tokens';
import {credentialsUnverifiable} from './signed-tokens';

/** What an account says now, as far as whom to trust goes. */
export interface Account {
  disabled: boolean;
  /**
   * Seconds since the epoch before which the account's tokens are revoked
   * (Identity Toolkit's `validSince`), when they ever were.
   */
  validSince?: number;
  /** Its custom claims now (`customAttributes`), `{}` when none. */
  claims: Record<string, unknown>;
}

/** Where accounts are read from: undefined for an account that does not exist. */
export interface AccountSource {
  account(uid: string): Promise<Account | undefined>;
}

/** The fetch this module uses: the standard one's shape. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface ToolkitAccountsOptions {
  projectId: string;
  /** Identity Toolkit's base URL (the local stand-in's, locally). */
  baseUrl?: string;
  /**
   * The headers of each lookup; by default the function's own access
   * token (googleApiHeaders), google-auth-library loaded at the first.
   */
  headers?: () => Promise<Record<string, string>>;
  /** Node's global fetch by default. */
  fetch?: Fetch;
  /** How long one lookup's answer stands for its uid, in ms; 0 keeps none. */
  maxAgeMs?: number;
  /** How many uids' answers are kept at most. */
  maxEntries?: number;
  /** How long a lookup may take before it counts as failed. */
  timeoutMs?: number;
  /** Milliseconds, for the cache's ages; injectable for tests. */
  now?: () => number;
}

export const IDENTITY_TOOLKIT_URL = 'https://identitytoolkit.googleapis.com';
/** The default bound on how stale an admin's account may be. */
export const ACCOUNT_CACHE_S = 30;
/** Far more admins than a project has; bounds memory whoever signs in. */
const MAX_ENTRIES = 1000;
/** Every admin request waits on its lookup: a stalled one must fail it within seconds. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** The part of `accounts:lookup`'s answer read here; `users` is absent when there is no such account. */
const LOOKUP_ANSWER = z.object({
  users: z
    .array(
      z.object({
        localId: z.string(),
        disabled: z.boolean().optional(),
        validSince: z.string().regex(/^\d+$/).optional(),
        customAttributes: z.string().optional(),
      }),
    )
    .optional(),
});

const CLAIMS = z.record(z.string(), z.unknown());

/** Why a lookup failed, for the log; the client gets only the 503. */
class LookupFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LookupFailed';
  }
}

/** The account of one lookup's answer, or undefined when it names none. */
function accountOf(uid: string, body: unknown): Account | undefined {
  const parsed = LOOKUP_ANSWER.safeParse(body);
  if (!parsed.success) throw new LookupFailed('answer outside its schema');
  const {users = []} = parsed.data;
  if (users.length === 0) return undefined;
  const [user] = users;
  if (users.length > 1 || user.localId !== uid)
    throw new LookupFailed('answer names another account');
  let claims: unknown = {};
  if (user.customAttributes !== undefined && user.customAttributes !== '') {
    try {
      claims = JSON.parse(user.customAttributes);
    } catch {
      throw new LookupFailed('customAttributes is not JSON');
    }
  }
  const parsedClaims = CLAIMS.safeParse(claims);
  if (!parsedClaims.success)
    throw new LookupFailed('customAttributes is not an object');
  return {
    disabled: user.disabled === true,
    ...(user.validSince === undefined
      ? {}
      : {validSince: Number(user.validSince)}),
    claims: parsedClaims.data,
  };
}

interface Entry {
  at: number;
  account: Promise<Account | undefined>;
}

/** Accounts read from Identity Toolkit's admin API, each answer kept at most maxAgeMs. */
export class ToolkitAccounts implements AccountSource {
  private readonly url: string;
  private readonly headers: () => Promise<Record<string, string>>;
  private readonly fetch: Fetch;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  /**
   * By uid, in the order they were looked up. A lookup in flight is here
   * too, so concurrent requests of one admin share it; a failed one is
   * dropped, so the next request tries again.
   */
  private readonly entries = new Map<string, Entry>();

  constructor(options: ToolkitAccountsOptions) {
    const base = (options.baseUrl ?? IDENTITY_TOOLKIT_URL).replace(/\/+$/, '');
    this.url = `${base}/v1/projects/${encodeURIComponent(options.projectId)}/accounts:lookup`;
    this.headers = options.headers ?? googleApiHeaders();
    // Looked up at the first lookup: Node loads its fetch when the global
    // is first read, which a function that serves no admin need not pay.
    this.fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.maxAgeMs = options.maxAgeMs ?? ACCOUNT_CACHE_S * 1000;
    this.maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.timeoutMs = options.timeoutMs ?? LOOKUP_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The account of `uid` as looked up at most maxAgeMs ago.
   * @throws HttpError (503) when it cannot be read: the network, a
   *   timeout, an answer that is not a 2xx of the expected form.
   */
  account(uid: string): Promise<Account | undefined> {
    const now = this.now();
    const kept = this.entries.get(uid);
    if (kept !== undefined && now - kept.at < this.maxAgeMs)
      return kept.account;
    this.entries.delete(uid);
    const account = this.lookUp(uid);
    if (this.maxAgeMs > 0) {
      // Maps iterate in insertion order: drop the oldest.
      if (this.entries.size >= this.maxEntries)
        this.entries.delete(this.entries.keys().next().value!);
      const entry = {at: now, account};
      this.entries.set(uid, entry);
      account.catch(() => {
        if (this.entries.get(uid) === entry) this.entries.delete(uid);
      });
    }
    return account;
  }

  private async lookUp(uid: string): Promise<Account | undefined> {
    try {
      const res = await this.fetch(this.url, {
        method: 'POST',
        headers: {
          ...(await this.headers()),
          'content-type': 'application/json',
        },
        body: JSON.stringify({localId: [uid]}),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      const text = await answerText(res);
      if (!res.ok)
        // Identity Toolkit's own words (PERMISSION_DENIED for a missing
        // role), for the log: never the request's token.
        throw new LookupFailed(
          `accounts:lookup answered ${res.status}: ${text.slice(0, 300)}`,
        );
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new LookupFailed('answer is not JSON');
      }
      return accountOf(uid, body);
    } catch (e: unknown) {
      // Refused, never let through: an admin route fails closed.
      throw credentialsUnverifiable(e);
    }
  }
}

const variables = z.object({
  // Identity Platform's by default; locally the identity server's stand-in.
  END_USER_TOOLKIT_URL: httpUrl.default(IDENTITY_TOOLKIT_URL),
  // How stale an admin's account may be, in seconds: 0 looks up on every
  // admin request, as firebase-admin's checkRevoked does; at most 5 minutes.
  END_USER_ACCOUNT_CACHE_S: z.coerce
    .number({error: 'must be a number'})
    .int({error: 'must be a whole number'})
    .min(0, {error: 'must be 0 or more'})
    .max(300, {error: 'must be at most 300 (5 minutes)'})
    .default(ACCOUNT_CACHE_S),
});

/**
 * The accounts of the end users' Identity Platform project `projectId`
 * (their tokens' audience), read as the function's environment says
 * (END_USER_TOOLKIT_URL, END_USER_ACCOUNT_CACHE_S); `options` for the rest.
 * @throws ConfigError naming every malformed variable.
 */
export function accountsFor(
  projectId: string,
  env: Readonly<NodeJS.ProcessEnv>,
  options: Omit<
    ToolkitAccountsOptions,
    'projectId' | 'baseUrl' | 'maxAgeMs'
  > = {},
): ToolkitAccounts {
  const vars = parseVariables(variables, env);
  return new ToolkitAccounts({
    ...options,
    projectId,
    baseUrl: vars.END_USER_TOOLKIT_URL,
    maxAgeMs: vars.END_USER_ACCOUNT_CACHE_S * 1000,
  });
}

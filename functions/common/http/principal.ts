/**
 * Who a request acts for and what was decided about it: the words the
 * request's context (context.ts) and the rules (access.ts) share.
 */
import type {EndUser} from '../identity/end-user';

/** What a route's rule asks of the end user (access.ts `Rule`). */
export type Access = 'public' | 'signed-in' | 'admin';

/** The authorization decision on one request, as its log line and span say it. */
export interface AccessDecision {
  rule: Access;
  decision: 'allowed' | 'refused';
  /** Why it was refused, in the words the client got (or would have got). */
  reason?: string;
}

/**
 * Who a request acts for: nobody (a public route, where no one is asked),
 * a verified end user, or anyone at all when end-user checks are off
 * (END_USER_AUTH=off, the original demo's open API).
 */
export type Principal =
  {kind: 'anonymous'} | ({kind: 'end-user'} & EndUser) | {kind: 'unchecked'};

export const ANONYMOUS: Principal = {kind: 'anonymous'};
export const UNCHECKED: Principal = {kind: 'unchecked'};

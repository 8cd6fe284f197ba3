/**
 * Who may do what: the vocabulary of end-user authorization. Every route
 * carries its rule (router.ts `Route.rule`), enforced before its handler
 * runs (http-function.ts): `public` needs no end user, `admin` only an
 * admin, `signed-in` any end user, limited to what is theirs (`own` says
 * what, for people: the README's table is made from it). Where the path
 * names whose data a route serves, the rule itself holds a user to their
 * own (`owner`); where only the data says whose it is (an order), the
 * handler does, with mayRequestFor. The same rules hold at every hop: the
 * gateway refuses early, user and order refuse again, so a caller that
 * forgets a check cannot read someone else's data.
 */
import {ForbiddenError} from '../protocol/problem';
import type {Handler} from './handler';
import type {Access, AccessDecision, Principal} from './principal';

export interface Rule {
  access: Access;
  /** For `signed-in`: what a user who is not an admin is limited to. */
  own?: string;
  /**
   * For `signed-in`: the path parameter that names whose data the route
   * serves (a uid). A user who is not an admin and names someone else is
   * answered by `refused` instead of the route's handler: what the route
   * answers when there is nothing there (after the same checks of the
   * rest of the request), so that another's and a missing one get the same
   * answer.
   */
  owner?: {param: string; refused: Handler};
}

export const PUBLIC: Rule = {access: 'public'};
export const ADMIN: Rule = {access: 'admin'};
/** For `signed-in` routes: what a user who is not an admin is limited to. */
export const own = (what: string): Rule => ({access: 'signed-in', own: what});
/**
 * The limit of routes on one user's data, at every hop. Each function's
 * contract names the limits of its own routes (order/contract.ts).
 */
export const OWN_ID = own('their own id');

/**
 * OWN_ID held by the rule itself: the path parameter `param` names the
 * user, and a user who names another is answered by `refused`.
 */
export function ownId(param: string, refused: Handler): Rule {
  return {...OWN_ID, owner: {param, refused}};
}

/**
 * Whether the request may act for the user `uid`. When it may not, the
 * caller answers as if there were nothing (what a missing resource gets, so
 * that the client cannot tell the two apart), and only the log line, where
 * the request is marked refused here, says which it was.
 */
export function mayRequestFor(
  ctx: {principal: Principal; access?: AccessDecision},
  uid: string,
): boolean {
  if (mayActFor(ctx.principal, uid)) return true;
  if (ctx.access !== undefined) {
    ctx.access.decision = 'refused';
    ctx.access.reason = "another user's";
  }
  return false;
}

/**
 * What an Idempotency-Key means for the requester `p`: the same key from
 * two end users is two keys.
 */
export function scopedKey(p: Principal, key: string): string {
  return JSON.stringify([p.kind === 'end-user' ? p.uid : '', key]);
}

/** Whether `p` may act on anything. */
export function isAdmin(p: Principal): boolean {
  return p.kind === 'unchecked' || (p.kind === 'end-user' && p.admin);
}

/** Whether `p` may act on what belongs to the user `uid`. */
export function mayActFor(p: Principal, uid: string): boolean {
  return isAdmin(p) || (p.kind === 'end-user' && p.uid === uid);
}

/**
 * The user filter of a listing as `p` may see it: what was asked for when
 * `p` may see it (an admin: anything, unfiltered included), the user's own
 * id when nothing was asked, and null when the filter names someone else
 * (nothing to show: no one else's orders, and no hint that they exist).
 */
export function visibleUserId(
  p: Principal,
  requested: string | undefined,
): {userId?: string} | null {
  if (isAdmin(p)) return {userId: requested};
  if (p.kind !== 'end-user') return null;
  return requested === undefined || requested === p.uid
    ? {userId: p.uid}
    : null;
}

/**
 * The user a new resource is for: the one named, which `p` must be allowed
 * to act for, else `p` itself.
 * @throws ForbiddenError when `p` names someone it may not act for.
 */
export function ownerFor(
  p: Principal,
  named: string | undefined,
): string | undefined {
  if (named !== undefined) {
    if (!mayActFor(p, named))
      throw new ForbiddenError(
        'admin-only',
        'Only an admin may act for another user.',
      );
    return named;
  }
  return p.kind === 'end-user' ? p.uid : undefined;
}

/** What the log says of `p`: the uid and whether admin, never the token or the email. */
export function principalLog(
  p: Principal,
): {uid: string; admin: boolean} | 'anonymous' | 'unchecked' {
  return p.kind === 'end-user' ? {uid: p.uid, admin: p.admin} : p.kind;
}

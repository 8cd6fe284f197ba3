/**
 * What the console says of an end user. A function logs and exports only
 * the uid it verified and whether the token carries the admin claim, never
 * a token, an email or a name, and the console adds no more than where the
 * account came from, which it can tell without any of those: the stack
 * seeds its seed users (local/seed.ts) under uids of their own, and its
 * Identity Platform makes every other account through its API
 * (accounts:signUp: test.sh's throw-away users, a client's), under a
 * random uid that says nothing by itself.
 */
import {SEED_USERS} from '../seed';
import {clip} from './limits';

/** An end user as the console shows it. */
export interface EndUserView {
  uid: string;
  admin: boolean;
  /** Where the account came from: seeded by the stack, or signed up through the API. */
  account: 'seed' | 'signed up';
}

/** The end user `uid` (admin or not), with where the account came from. */
export function endUserView(uid: string, admin: boolean): EndUserView {
  return {
    uid,
    admin,
    account: Object.hasOwn(SEED_USERS, uid) ? 'seed' : 'signed up',
  };
}

/**
 * An end user as the console writes it: a seed user by its uid, which
 * names it ("user-002"), any other with "signed up" beside its uid; "admin"
 * when the token says so.
 */
export function endUserText({uid, admin, account}: EndUserView): string {
  const notes = [
    ...(account === 'signed up' ? [account] : []),
    ...(admin ? ['admin'] : []),
  ];
  return notes.length === 0 ? uid : `${uid} (${notes.join(', ')})`;
}

/**
 * The live list's "who": the end user, then the caller unless it was no
 * one's (a public function's callers): "user-002 via <the caller's
 * account>", "<uid> (signed up, admin)", "anonymous".
 */
export function whoText(
  caller: string | undefined,
  endUser: EndUserView | string | undefined,
): string {
  const via = caller ?? 'anonymous';
  if (typeof endUser !== 'object') return via;
  const who = endUserText(endUser);
  return clip(via === 'anonymous' ? who : `${who} via ${via}`);
}

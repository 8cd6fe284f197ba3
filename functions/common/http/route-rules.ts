/**
 * How a route's rule is held for one request (access.ts says what the
 * rules are): who the end user is and whether the rule lets them in, and
 * for a rule that names whose id the path holds, whether the route's
 * handler or its refusal answers.
 */
import {z} from 'zod';
import {isAdmin, mayRequestFor, type Rule} from './access';
import {UNCHECKED} from './principal';
import {setEndUser, type RequestContext} from './context';
import type {EndUser} from '../identity/end-user';
import {ForbiddenError} from '../protocol/problem';
import type {Handler} from './handler';
import type {Route} from './router';
import {idSchema, parseInput} from '../protocol/validation';

/**
 * Checks the end user's token (in Authorization); resolves to who it is.
 * With `checkRevoked` (admin routes), also against their account as it is
 * now (identity/end-user.ts).
 */
export type AuthenticateEndUser = (
  authorization: string | undefined,
  checkRevoked?: boolean,
) => Promise<EndUser>;

/**
 * For each route whose rule names its owner's path parameter, the schema
 * of that parameter: an id, checked before it is compared, so a malformed
 * one is a 400 whoever sends it.
 * @throws Error at start for a rule naming a parameter its path lacks.
 */
export function ownerParams(
  routes: Route[],
): Map<Route, z.ZodType<Record<string, string>>> {
  const owners = new Map<Route, z.ZodType<Record<string, string>>>();
  for (const route of routes) {
    const {owner} = route.rule;
    if (owner === undefined) continue;
    if (!route.path.split('/').includes(`:${owner.param}`))
      throw new Error(
        `${route.method} ${route.path}: its rule's owner is :${owner.param}, which the path does not have`,
      );
    owners.set(route, z.object({[owner.param]: idSchema}));
  }
  return owners;
}

/**
 * The handler that answers this request: the route's own, or, for a user
 * who names another in the route's owner parameter (Rule.owner), the
 * rule's refusal.
 * @throws ValidationError for a malformed owner id.
 */
export function ownersHandler(
  ctx: RequestContext,
  route: Route,
  owners: Map<Route, z.ZodType<Record<string, string>>>,
  params: Record<string, string>,
): Handler {
  const schema = owners.get(route);
  if (route.rule.owner === undefined || schema === undefined)
    return route.handler;
  const id = parseInput(schema, params, 'path')[route.rule.owner.param];
  return mayRequestFor(ctx, id) ? route.handler : route.rule.owner.refused;
}

/**
 * The end user's `Authorization` value. A caller that sends its own token
 * and an end user's sends its own in X-Serverless-Authorization; when its
 * own came in Authorization, that header holds no end user's token.
 */
export function endUserAuthorization(
  req: {get(name: string): string | undefined},
  callersChecked: boolean,
): string | undefined {
  return callersChecked && req.get('x-serverless-authorization') === undefined
    ? undefined
    : req.get('authorization');
}

/**
 * Sets who the request acts for, for a route that is not public. On an
 * admin route, the token's word is checked against the account as it is
 * now (revoked, disabled, deleted, or no longer an admin): an admin's
 * token outlives a change to their account by up to an hour, and what an
 * admin may do is where that matters. Other routes pay nothing for it.
 * @throws UnauthorizedError without a valid end-user token (or one whose
 *   account is gone, disabled or revoked, on an admin route),
 *   ForbiddenError for a user on an admin route, HttpError (503) when the
 *   token or the account cannot be checked now.
 */
export async function checkEndUser(
  ctx: RequestContext,
  rule: Rule,
  endUsers: AuthenticateEndUser | 'off',
  authorization: string | undefined,
): Promise<void> {
  if (endUsers === 'off') {
    setEndUser(ctx, UNCHECKED);
    return;
  }
  const user = await endUsers(authorization, rule.access === 'admin');
  setEndUser(ctx, {kind: 'end-user', ...user}, authorization);
  if (rule.access === 'admin' && !isAdmin(ctx.principal))
    throw new ForbiddenError('admin-only', 'Only an admin may do this.');
}

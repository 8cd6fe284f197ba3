/**
 * The user function's routes: they parse and check every input, call a use
 * case of domain.ts, and shape its answer or its error as HTTP. The mesh
 * route (`/users/:id/orders`) and user deletion call the order function
 * with the user function's own identity.
 */
import {
  isAdmin,
  mayRequestFor,
  ownerFor,
  type Principal,
} from '../common/access';
import {OPEN_STATUSES, ordersOf, type OrderList} from '../common/orders';
import {
  ConflictError,
  ForbiddenError,
  HttpError,
  NotFoundError,
} from '../common/problem';
import {translatingErrors, type Route} from '../common/router';
import type {ServiceCaller} from '../common/service-client';
import type {SpanSink} from '../common/trace';
import {DEFAULT_ROLE, profileSchemaFor, type NewProfile} from '../common/users';
import {idParams, idSchema, pageOnly, parseInput} from '../common/validation';
import {
  DuplicateEmailError,
  DuplicateIdError,
  OpenOrdersError,
  UserNotFoundError,
  type NewUser,
  type Users,
} from './domain';

export interface UserRouteDeps {
  /** The use cases as one request sees them (its Firestore calls are its spans). */
  users: (request: SpanSink) => Users;
  orders: ServiceCaller;
}

/**
 * The profile `p` may create from `input`: an admin any (its id, email and
 * role as given), an end user only their own, once, under their uid, with
 * the email their token carries and the default role.
 * @throws ForbiddenError for an end user naming another id, an email or a role.
 */
export function profileFor(
  p: Principal,
  input: NewProfile,
): {id?: string; user: NewUser} {
  const {id, name, email, role} = input;
  if (isAdmin(p))
    return {id, user: {name, email: email!, role: role ?? DEFAULT_ROLE}};
  if (email !== undefined || role !== undefined)
    throw new ForbiddenError(
      "Only an admin may set a profile's email or role.",
    );
  const uid = ownerFor(p, id);
  if (p.kind !== 'end-user' || uid === undefined)
    throw new ForbiddenError('Only a signed-in user may create a profile.');
  if (p.email === undefined)
    throw new HttpError(422, 'Your sign-in has no email for the profile.');
  if (!idSchema.safeParse(uid).success)
    throw new HttpError(422, 'Your user id cannot name a profile.');
  return {id: uid, user: {name, email: p.email, role: DEFAULT_ROLE}};
}

/** The domain's errors as HTTP errors; anything else passes through. */
export function httpErrorOf(e: unknown): unknown {
  if (e instanceof UserNotFoundError) return new NotFoundError(e.message);
  if (
    e instanceof DuplicateEmailError ||
    e instanceof DuplicateIdError ||
    e instanceof OpenOrdersError
  )
    return new ConflictError(e.message);
  return e;
}

export function userRoutes({users, orders}: UserRouteDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/',
      handler: async () => ({body: {service: 'user', status: 'ok'}}),
    },
    {
      method: 'GET',
      path: '/users',
      handler: async (req, ctx) => {
        const page = await users(ctx).list(
          parseInput(pageOnly, req.query, 'query'),
        );
        return {
          body: {
            service: 'user',
            users: page.items,
            nextCursor: page.nextCursor,
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/users',
      handler: async (req, ctx) => {
        const input = parseInput(
          profileSchemaFor(isAdmin(ctx.principal)),
          req.body,
          'body',
        );
        const {id, user} = profileFor(ctx.principal, input);
        return {
          status: 201,
          body: {service: 'user', user: await users(ctx).create(user, id)},
        };
      },
    },
    {
      method: 'GET',
      path: '/users/:id',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        if (!mayRequestFor(ctx, id)) throw new UserNotFoundError(id);
        return {body: {service: 'user', user: await users(ctx).get(id)}};
      },
    },
    {
      method: 'DELETE',
      path: '/users/:id',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        await users(ctx).delete(id, async userId => {
          const open = await orders.call<OrderList>(ctx, {
            method: 'GET',
            path: ['orders'],
            query: {userId, status: OPEN_STATUSES.join(','), limit: '1'},
          });
          return open.data.orders.length > 0;
        });
        return {status: 204, body: undefined};
      },
    },
    {
      method: 'GET',
      path: '/users/:id/orders',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        if (!mayRequestFor(ctx, id)) throw new UserNotFoundError(id);
        // Both reads at once: the user check need not wait for the orders.
        const [user, list] = await Promise.all([
          users(ctx).get(id),
          orders.call<OrderList>(ctx, {
            method: 'GET',
            path: ['orders', 'user', id],
          }),
        ]);
        return {
          body: {
            service: 'user',
            user,
            orders: ordersOf(list.data),
            mesh_path: ['user', list.data.service],
          },
        };
      },
    },
  ];
  return translatingErrors(routes, httpErrorOf);
}

/**
 * The user function's routes: they parse and check every input, call a use
 * case of domain.ts, and shape its answer or its error as HTTP. The mesh
 * route (`/users/:id/orders`) and user deletion call the order function
 * with the user function's own identity.
 */
import {ADMIN, PUBLIC} from '../common/http/access';
import {ConflictError} from '../common/protocol/problem';
import {translatingErrors, type Route} from '../common/http/router';
import type {ServiceCaller} from '../common/calls/service-client';
import {idParams, pageOnly, parseInput} from '../common/protocol/validation';
import type {PerRequest} from '../common/setup/wiring';
import {callTo, serve} from '../common/contract';
import {OPEN_STATUSES, orderCalls, ordersOf} from '../order/contract';
import {
  OWN_PROFILE,
  OWN_USER_ID,
  profileRequest,
  userCalls,
  userNotFound,
} from './contract';
import {
  DuplicateEmailError,
  DuplicateIdError,
  OpenOrdersError,
  UserNotFoundError,
  type Users,
} from './domain';

export interface UserRouteDeps {
  /** The user use cases, acting for one request (its Firestore calls are its spans). */
  users: PerRequest<Users>;
  orders: ServiceCaller;
}

/** The domain's errors as HTTP errors; anything else passes through. */
export function httpErrorOf(e: unknown): unknown {
  if (e instanceof UserNotFoundError) return userNotFound(e.id);
  if (e instanceof DuplicateEmailError)
    return new ConflictError('email-taken', e.message);
  if (e instanceof DuplicateIdError)
    return new ConflictError('profile-exists', e.message);
  if (e instanceof OpenOrdersError)
    return new ConflictError('user-has-open-orders', e.message);
  return e;
}

export function userRoutes({users, orders}: UserRouteDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/',
      rule: PUBLIC,
      handler: async () => ({body: {service: 'user', status: 'ok'}}),
    },
    serve(userCalls.listUsers, {
      rule: ADMIN,
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
    }),
    serve(userCalls.createUser, {
      rule: OWN_PROFILE,
      handler: async (req, ctx) => {
        const {id, user} = profileRequest(ctx.principal, req.body).profile;
        return {
          status: 201,
          body: {
            service: 'user',
            user: await users(ctx).create(user, id),
          },
        };
      },
    }),
    serve(userCalls.getUser, {
      rule: OWN_USER_ID('id'),
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        return {
          body: {
            service: 'user',
            user: await users(ctx).get(id),
          },
        };
      },
    }),
    serve(userCalls.deleteUser, {
      rule: ADMIN,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        await users(ctx).delete(id, async userId => {
          const open = await callTo(orders, ctx, orderCalls.listOrders, {
            query: {userId, status: OPEN_STATUSES.join(','), limit: '1'},
          });
          return open.data.orders.length > 0;
        });
        return {status: 204, body: undefined};
      },
    }),
    serve(userCalls.userOrders, {
      rule: OWN_USER_ID('id'),
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        // Both reads at once: the user check need not wait for the orders.
        const [user, list] = await Promise.all([
          users(ctx).get(id),
          callTo(orders, ctx, orderCalls.userOrders, {params: {userId: id}}),
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
    }),
  ];
  return translatingErrors(routes, httpErrorOf);
}

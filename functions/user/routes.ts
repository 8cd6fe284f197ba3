/**
 * The user function's routes. The mesh route (`/users/:id/orders`) and user
 * deletion call the order function with the user function's own identity.
 */
import {z} from 'zod';
import {OPEN_STATUSES, type OrderList} from '../common/orders';
import {ConflictError, NotFoundError} from '../common/problem';
import type {Route} from '../common/router';
import type {ServiceCaller} from '../common/service-client';
import {idSchema, pageQuery, parseInput} from '../common/validation';
import {DuplicateEmailError, ROLES, type User, type UserStore} from './store';

export interface UserRouteDeps {
  users: UserStore;
  orders: ServiceCaller;
}

const createUserSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, {error: 'is required'})
    .max(100, {error: 'is too long'}),
  email: z
    .email({error: 'must be an email address'})
    .max(254, {error: 'is too long'}),
  role: z.enum(ROLES, {error: `must be one of ${ROLES.join(', ')}`}),
});

const idParams = z.object({id: idSchema});
const listQuery = z.object(pageQuery);

export function userRoutes({users, orders}: UserRouteDeps): Route[] {
  async function requireUser(id: string): Promise<User> {
    const user = await users.get(id);
    if (user === undefined) throw new NotFoundError(`User ${id} not found.`);
    return user;
  }

  return [
    {
      method: 'GET',
      path: '/',
      handler: async () => ({body: {service: 'user', status: 'ok'}}),
    },
    {
      method: 'GET',
      path: '/users',
      handler: async req => {
        const page = await users.list(
          parseInput(listQuery, req.query, 'query'),
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
      handler: async req => {
        const input = parseInput(createUserSchema, req.body, 'body');
        try {
          const user = await users.create(input);
          return {status: 201, body: {service: 'user', user}};
        } catch (e: unknown) {
          if (e instanceof DuplicateEmailError)
            throw new ConflictError(e.message);
          throw e;
        }
      },
    },
    {
      method: 'GET',
      path: '/users/:id',
      handler: async req => {
        const {id} = parseInput(idParams, req.params, 'path');
        return {body: {service: 'user', user: await requireUser(id)}};
      },
    },
    {
      method: 'DELETE',
      path: '/users/:id',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        await requireUser(id);
        const open = await orders.call<OrderList>(ctx, {
          method: 'GET',
          path: ['orders'],
          query: {userId: id, status: OPEN_STATUSES.join(','), limit: '1'},
        });
        if (open.data.orders.length > 0) {
          throw new ConflictError(
            `User ${id} has orders that are not completed or cancelled.`,
          );
        }
        if (!(await users.delete(id)))
          throw new NotFoundError(`User ${id} not found.`);
        return {status: 204, body: undefined};
      },
    },
    {
      method: 'GET',
      path: '/users/:id/orders',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        // Both reads at once: the user check need not wait for the orders.
        const [user, list] = await Promise.all([
          requireUser(id),
          orders.call<OrderList>(ctx, {
            method: 'GET',
            path: ['orders', 'user', id],
          }),
        ]);
        return {
          body: {
            service: 'user',
            user,
            orders: {
              count: list.data.orders.length,
              items: list.data.orders,
              nextCursor: list.data.nextCursor,
            },
            mesh_path: ['user', list.data.service],
          },
        };
      },
    },
  ];
}

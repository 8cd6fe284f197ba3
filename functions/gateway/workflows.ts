/**
 * The gateway's routes that take more than one function: a new order
 * (the user checked, then the order created), the aggregate, and the two
 * call patterns for one user's orders, direct (user and order at once) and
 * mesh (user, which calls order).
 */
import {randomUUID} from 'node:crypto';
import {ADMIN, ownerFor} from '../common/http/access';
import {
  DownstreamError,
  HttpError,
  toProblem,
  ValidationError,
} from '../common/protocol/problem';
import type {Route} from '../common/http/router';
import {parseInput, userIdParams} from '../common/protocol/validation';
import {
  idempotencyHeader,
  newOrderRequestSchema,
  orderAnswerSchema,
  orderListSchema,
  ordersOf,
  OWN_NEW_ORDERS,
  statsAnswerSchema,
} from '../order/contract';
import {
  meshAnswerSchema,
  OWN_USER_ID,
  userAnswerSchema,
  userListSchema,
} from '../user/contract';
import {envelope} from './envelope';
import type {GatewayRouteDeps} from './deps';

export function workflowRoutes({users, orders}: GatewayRouteDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/orders',
      rule: OWN_NEW_ORDERS,
      handler: async (req, ctx) => {
        const request = parseInput(newOrderRequestSchema, req.body, 'body');
        const userId = ownerFor(ctx.principal, request.userId);
        if (userId === undefined)
          throw new ValidationError('The request body is not valid.', [
            {field: 'userId', message: 'is required'},
          ]);
        const order = {...request, userId};
        // A key of our own when the client sent none makes our call to the
        // order function safe to retry: a lost answer cannot double an order.
        const key =
          parseInput(idempotencyHeader, req.headers, 'headers')[
            'idempotency-key'
          ] ?? randomUUID();
        try {
          await users.call(
            ctx,
            {method: 'GET', path: ['users', order.userId]},
            userAnswerSchema,
          );
        } catch (e: unknown) {
          // Only the user function's own "no such user": any other 404 (a
          // front end's page, a route it does not have) is a fault of the
          // deployment, not of the order.
          if (
            e instanceof DownstreamError &&
            e.failure === 'rejected' &&
            e.problem?.code === 'user-not-found'
          ) {
            throw new HttpError(
              422,
              'unknown-user',
              'The order names a user that does not exist.',
              [{field: 'userId', message: `no user ${order.userId}`}],
            );
          }
          throw e;
        }
        const res = await orders.call(
          ctx,
          {
            method: 'POST',
            path: ['orders'],
            body: order,
            headers: {'idempotency-key': key},
          },
          orderAnswerSchema,
        );
        return {
          status: res.status,
          body: envelope(
            'order',
            'gateway → user (check), gateway → order (create)',
            res.data,
          ),
          headers: {
            'Idempotency-Key': key,
            ...(res.headers.get('idempotent-replayed') === 'true' && {
              'Idempotent-Replayed': 'true',
            }),
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/api/aggregate',
      rule: ADMIN,
      handler: async (_req, ctx) => {
        // All three at once; one failing must not hide what the others found.
        const parts = {
          users: users.call(
            ctx,
            {method: 'GET', path: ['users']},
            userListSchema,
          ),
          orders: orders.call(
            ctx,
            {method: 'GET', path: ['orders']},
            orderListSchema,
          ),
          stats: orders.call(
            ctx,
            {method: 'GET', path: ['stats']},
            statsAnswerSchema,
          ),
        };
        const names = Object.keys(parts) as (keyof typeof parts)[];
        const settled = await Promise.allSettled(Object.values(parts));
        const data: Record<string, unknown> = {};
        const errors: {
          part: string;
          status: number;
          code: string;
          detail: string;
        }[] = [];
        settled.forEach((result, i) => {
          if (result.status === 'fulfilled') {
            data[names[i]] = result.value.data;
          } else {
            const {problem} = toProblem(result.reason);
            errors.push({
              part: names[i],
              status: problem.status,
              code: problem.code,
              detail: problem.detail,
            });
          }
        });
        return {
          body: envelope(
            'user, order',
            'gateway → user, gateway → order',
            data,
            {
              workflow: 'aggregate',
              ...(errors.length > 0 ? {errors} : {}),
            },
          ),
        };
      },
    },
    {
      method: 'GET',
      path: '/api/user-orders/:userId',
      rule: OWN_USER_ID('userId'),
      handler: async (req, ctx) => {
        const {userId} = parseInput(userIdParams, req.params, 'path');
        const res = await users.call(
          ctx,
          {method: 'GET', path: ['users', userId, 'orders']},
          meshAnswerSchema,
        );
        // The path user took is the answer's whole path: one mesh_path,
        // at the top, not a second one inside `data`.
        const {mesh_path: path, ...answer} = res.data;
        return {
          body: envelope('user', 'gateway → user → order', answer, {
            workflow: 'user-orders-mesh',
            mesh_path: ['gateway', ...path],
          }),
        };
      },
    },
    {
      method: 'GET',
      path: '/api/user-orders-direct/:userId',
      rule: OWN_USER_ID('userId'),
      handler: async (req, ctx) => {
        const {userId} = parseInput(userIdParams, req.params, 'path');
        const [user, list] = await Promise.all([
          users.call(
            ctx,
            {method: 'GET', path: ['users', userId]},
            userAnswerSchema,
          ),
          orders.call(
            ctx,
            {method: 'GET', path: ['orders', 'user', userId]},
            orderListSchema,
          ),
        ]);
        return {
          body: envelope(
            'user, order',
            'gateway → user, gateway → order (in parallel)',
            {
              user: user.data.user,
              orders: ordersOf(list.data),
            },
            {workflow: 'user-orders-direct'},
          ),
        };
      },
    },
  ];
}

/**
 * The gateway's routes that take more than one function: a new order
 * (the user checked, then the order created), the aggregate, and the two
 * call patterns for one user's orders, direct (user and order at once) and
 * mesh (user, which calls order).
 */
import {randomUUID} from 'node:crypto';
import {ADMIN, ownerFor} from '../common/http/access';
import {callTo, refusedWith, serve} from '../common/contract';
import {
  HttpError,
  toProblem,
  ValidationError,
} from '../common/protocol/problem';
import type {Route} from '../common/http/router';
import {parseInput, userIdParams} from '../common/protocol/validation';
import {
  idempotencyHeader,
  newOrderRequestSchema,
  orderCalls,
  ordersOf,
  OWN_NEW_ORDERS,
} from '../order/contract';
import {OWN_USER_ID, USER_NOT_FOUND, userCalls} from '../user/contract';
import {gatewayCalls, UNKNOWN_USER} from './contract';
import {envelope} from './envelope';
import type {GatewayRouteDeps} from './deps';

export function workflowRoutes({users, orders}: GatewayRouteDeps): Route[] {
  return [
    serve(gatewayCalls.createOrder, {
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
          await callTo(users, ctx, userCalls.getUser, {
            params: {id: order.userId},
          });
        } catch (e: unknown) {
          // Only the user function's own "no such user": any other 404 (a
          // front end's page, a route it does not have) is a fault of the
          // deployment, not of the order.
          if (refusedWith(e, userCalls.getUser, USER_NOT_FOUND)) {
            throw new HttpError(
              422,
              UNKNOWN_USER,
              'The order names a user that does not exist.',
              [{field: 'userId', message: `no user ${order.userId}`}],
            );
          }
          throw e;
        }
        const res = await callTo(orders, ctx, orderCalls.createOrder, {
          body: order,
          headers: {'idempotency-key': key},
        });
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
    }),
    serve(gatewayCalls.aggregate, {
      rule: ADMIN,
      handler: async (_req, ctx) => {
        // All three at once; one failing must not hide what the others found.
        const parts = {
          users: callTo(users, ctx, userCalls.listUsers, {}),
          orders: callTo(orders, ctx, orderCalls.listOrders, {}),
          stats: callTo(orders, ctx, orderCalls.stats, {}),
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
    }),
    serve(gatewayCalls.userOrdersMesh, {
      rule: OWN_USER_ID('userId'),
      handler: async (req, ctx) => {
        const {userId} = parseInput(userIdParams, req.params, 'path');
        const res = await callTo(users, ctx, userCalls.userOrders, {
          params: {id: userId},
        });
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
    }),
    serve(gatewayCalls.userOrdersDirect, {
      rule: OWN_USER_ID('userId'),
      handler: async (req, ctx) => {
        const {userId} = parseInput(userIdParams, req.params, 'path');
        const [user, list] = await Promise.all([
          callTo(users, ctx, userCalls.getUser, {params: {id: userId}}),
          callTo(orders, ctx, orderCalls.userOrders, {params: {userId}}),
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
    }),
  ];
}

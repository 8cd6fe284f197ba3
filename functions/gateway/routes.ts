/**
 * The gateway's public API. It owns no data: every route calls the user or
 * order function with the gateway's identity and wraps the answer in the
 * envelope `{source, target, flow, workflow?, mesh_path?, data}`. It validates input before any
 * call, so bad requests never cost a hop, and its rules refuse early what
 * they can: no token, not an admin, another user's id in the path
 * (answered as the user function answers a missing one).
 */
import {randomUUID} from 'node:crypto';
import {ADMIN, ownerFor, PUBLIC} from '../common/access';
import {
  DownstreamError,
  HttpError,
  toProblem,
  ValidationError,
} from '../common/problem';
import type {Route} from '../common/router';
import type {ServiceCaller} from '../common/service-client';
import {
  idParams,
  pageOnly,
  parseInput,
  userIdParams,
} from '../common/validation';
import {
  checkStatusChangeBy,
  idempotencyHeader,
  newOrderRequestSchema,
  orderAnswerSchema,
  orderListQuery,
  orderListSchema,
  ordersOf,
  OWN_CANCEL,
  OWN_NEW_ORDERS,
  OWN_ORDER,
  OWN_ORDERS,
  statsAnswerSchema,
  statusChangeSchema,
} from '../order/contract';
import {
  meshAnswerSchema,
  OWN_PROFILE,
  OWN_USER_ID,
  profileRequest,
  userAnswerSchema,
  userListSchema,
} from '../user/contract';

export interface GatewayRouteDeps {
  users: ServiceCaller;
  orders: ServiceCaller;
}

function envelope(
  target: string,
  flow: string,
  data: unknown,
  extra: Record<string, unknown> = {},
) {
  return {source: 'gateway', target, flow, ...extra, data};
}

/** Query values as strings again, for passing on downstream. */
function pageParams(page: {
  limit: number;
  cursor?: string;
}): Record<string, string | undefined> {
  return {limit: String(page.limit), cursor: page.cursor};
}

export function gatewayRoutes({users, orders}: GatewayRouteDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/',
      rule: PUBLIC,
      handler: async () => ({
        body: {service: 'gateway', status: 'ok', calls: ['user', 'order']},
      }),
    },
    {
      method: 'GET',
      path: '/api/users',
      rule: ADMIN,
      handler: async (req, ctx) => {
        const page = parseInput(pageOnly, req.query, 'query');
        const res = await users.call(
          ctx,
          {method: 'GET', path: ['users'], query: pageParams(page)},
          userListSchema,
        );
        return {body: envelope('user', 'gateway → user', res.data)};
      },
    },
    {
      method: 'POST',
      path: '/api/users',
      rule: OWN_PROFILE,
      handler: async (req, ctx) => {
        // The user function decides again; refusing here saves the hop.
        const {input} = profileRequest(ctx.principal, req.body);
        const res = await users.call(
          ctx,
          {method: 'POST', path: ['users'], body: input},
          userAnswerSchema,
        );
        return {
          status: res.status,
          body: envelope('user', 'gateway → user', res.data),
        };
      },
    },
    {
      method: 'GET',
      path: '/api/users/:id',
      rule: OWN_USER_ID('id'),
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const res = await users.call(
          ctx,
          {method: 'GET', path: ['users', id]},
          userAnswerSchema,
        );
        return {body: envelope('user', 'gateway → user', res.data)};
      },
    },
    {
      method: 'GET',
      path: '/api/orders',
      rule: OWN_ORDERS,
      handler: async (req, ctx) => {
        const {status, userId, ...page} = parseInput(
          orderListQuery,
          req.query,
          'query',
        );
        const res = await orders.call(
          ctx,
          {
            method: 'GET',
            path: ['orders'],
            query: {...pageParams(page), status: status?.join(','), userId},
          },
          orderListSchema,
        );
        return {body: envelope('order', 'gateway → order', res.data)};
      },
    },
    {
      method: 'GET',
      path: '/api/orders/:id',
      rule: OWN_ORDER,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const res = await orders.call(
          ctx,
          {method: 'GET', path: ['orders', id]},
          orderAnswerSchema,
        );
        return {body: envelope('order', 'gateway → order', res.data)};
      },
    },
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
          if (e instanceof DownstreamError && e.status === 404) {
            throw new HttpError(
              422,
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
      method: 'PATCH',
      path: '/api/orders/:id/status',
      rule: OWN_CANCEL,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const change = parseInput(statusChangeSchema, req.body, 'body');
        checkStatusChangeBy(ctx.principal, change.status);
        const res = await orders.call(
          ctx,
          {method: 'PATCH', path: ['orders', id, 'status'], body: change},
          orderAnswerSchema,
        );
        return {body: envelope('order', 'gateway → order', res.data)};
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
        const errors: {part: string; status: number; detail: string}[] = [];
        settled.forEach((result, i) => {
          if (result.status === 'fulfilled') {
            data[names[i]] = result.value.data;
          } else {
            const {problem} = toProblem(result.reason);
            errors.push({
              part: names[i],
              status: problem.status,
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

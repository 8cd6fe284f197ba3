/**
 * The order function's routes: they parse and check every input (whoever
 * the caller: this function trusts no one's validation), call a use case of
 * domain.ts, and shape its answer or its error as HTTP.
 */
import {z} from 'zod';
import {
  createOrderSchema,
  idempotencyHeader,
  ORDER_STATUSES,
  orderList,
  orderListQuery,
} from '../common/orders';
import {ConflictError, HttpError, NotFoundError} from '../common/problem';
import {translatingErrors, type Reply, type Route} from '../common/router';
import type {SpanSink} from '../common/trace';
import {
  idParams,
  pageOnly,
  parseInput,
  userIdParams,
} from '../common/validation';
import {
  IdempotencyMismatchError,
  OrderNotFoundError,
  TransitionError,
  type Orders,
} from './domain';

const statusBody = z.strictObject({
  status: z.enum(ORDER_STATUSES, {
    error: `must be one of ${ORDER_STATUSES.join(', ')}`,
  }),
});

/** The domain's errors as HTTP errors; anything else passes through. */
export function httpErrorOf(e: unknown): unknown {
  if (e instanceof OrderNotFoundError) return new NotFoundError(e.message);
  if (e instanceof TransitionError) return new ConflictError(e.message);
  // RFC draft "The Idempotency-Key HTTP Header Field": reuse with another payload is a 422.
  if (e instanceof IdempotencyMismatchError)
    return new HttpError(422, e.message);
  return e;
}

export interface OrderRouteDeps {
  /** The use cases as one request sees them (its Firestore calls are its spans). */
  orders: (request: SpanSink) => Orders;
}

export function orderRoutes({orders}: OrderRouteDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/',
      handler: async () => ({body: {service: 'order', status: 'ok'}}),
    },
    {
      method: 'GET',
      path: '/orders',
      handler: async (req, ctx) => {
        const {status, userId, ...page} = parseInput(
          orderListQuery,
          req.query,
          'query',
        );
        return {
          body: orderList(
            await orders(ctx).list({statuses: status, userId}, page),
          ),
        };
      },
    },
    {
      method: 'GET',
      path: '/orders/user/:userId',
      handler: async (req, ctx) => {
        const {userId} = parseInput(userIdParams, req.params, 'path');
        const page = parseInput(pageOnly, req.query, 'query');
        return {body: orderList(await orders(ctx).list({userId}, page))};
      },
    },
    {
      method: 'GET',
      path: '/orders/:id',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        return {body: {service: 'order', order: await orders(ctx).get(id)}};
      },
    },
    {
      method: 'POST',
      path: '/orders',
      handler: async (req, ctx): Promise<Reply> => {
        const input = parseInput(createOrderSchema, req.body, 'body');
        const key = parseInput(idempotencyHeader, req.headers, 'headers')[
          'idempotency-key'
        ];
        const {order, created} = await orders(ctx).create(input, key);
        return created
          ? {
              status: 201,
              body: {service: 'order', order},
              headers: {Location: `/orders/${order.id}`},
            }
          : {
              status: 200,
              body: {service: 'order', order},
              headers: {'Idempotent-Replayed': 'true'},
            };
      },
    },
    {
      method: 'PATCH',
      path: '/orders/:id/status',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const {status} = parseInput(statusBody, req.body, 'body');
        return {
          body: {
            service: 'order',
            order: await orders(ctx).changeStatus(id, status),
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: '/orders/:id',
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        await orders(ctx).delete(id);
        return {status: 204, body: undefined};
      },
    },
    {
      method: 'GET',
      path: '/stats',
      handler: async (_req, ctx) => ({
        body: {service: 'order', stats: await orders(ctx).stats()},
      }),
    },
  ];
  return translatingErrors(routes, httpErrorOf);
}

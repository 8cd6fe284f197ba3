/**
 * The order function's routes. It calls no other function: it owns orders,
 * checks every input itself (whoever the caller), and computes all money.
 */
import {createHash} from 'node:crypto';
import {z} from 'zod';
import {
  createOrderSchema,
  idempotencyKeySchema,
  ORDER_STATUSES,
  orderListQuery,
} from '../common/orders';
import {ConflictError, HttpError, NotFoundError} from '../common/problem';
import type {Reply, Route} from '../common/router';
import {idSchema, pageQuery, parseInput} from '../common/validation';
import {nextStatuses} from './status';
import {
  IdempotencyMismatchError,
  OrderNotFoundError,
  TransitionError,
  type OrderStore,
} from './store';

const idParams = z.object({id: idSchema});
const userParams = z.object({userId: idSchema});
const pageOnly = z.object(pageQuery);
const statusBody = z.strictObject({
  status: z.enum(ORDER_STATUSES, {
    error: `must be one of ${ORDER_STATUSES.join(', ')}`,
  }),
});
const idempotencyHeader = z.object({
  'idempotency-key': idempotencyKeySchema.optional(),
});

/** Translates the store's domain errors into HTTP errors. */
function domainError(e: unknown): unknown {
  if (e instanceof OrderNotFoundError) return new NotFoundError(e.message);
  if (e instanceof TransitionError) {
    const allowed = nextStatuses(e.from);
    return new ConflictError(
      `${e.message} ${allowed.length > 0 ? `It can become: ${allowed.join(', ')}.` : 'It is final.'}`,
    );
  }
  // RFC draft "The Idempotency-Key HTTP Header Field": reuse with another payload is a 422.
  if (e instanceof IdempotencyMismatchError)
    return new HttpError(422, e.message);
  return e;
}

export function orderRoutes({orders}: {orders: OrderStore}): Route[] {
  return [
    {
      method: 'GET',
      path: '/',
      handler: async () => ({body: {service: 'order', status: 'ok'}}),
    },
    {
      method: 'GET',
      path: '/orders',
      handler: async req => {
        const {status, userId, ...page} = parseInput(
          orderListQuery,
          req.query,
          'query',
        );
        const result = await orders.list({statuses: status, userId}, page);
        return {
          body: {
            service: 'order',
            orders: result.items,
            nextCursor: result.nextCursor,
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/orders/user/:userId',
      handler: async req => {
        const {userId} = parseInput(userParams, req.params, 'path');
        const result = await orders.list(
          {userId},
          parseInput(pageOnly, req.query, 'query'),
        );
        return {
          body: {
            service: 'order',
            orders: result.items,
            nextCursor: result.nextCursor,
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/orders/:id',
      handler: async req => {
        const {id} = parseInput(idParams, req.params, 'path');
        const order = await orders.get(id);
        if (order === undefined)
          throw new NotFoundError(`Order ${id} not found.`);
        return {body: {service: 'order', order}};
      },
    },
    {
      method: 'POST',
      path: '/orders',
      handler: async (req): Promise<Reply> => {
        const input = parseInput(createOrderSchema, req.body, 'body');
        const key = parseInput(idempotencyHeader, req.headers, 'headers')[
          'idempotency-key'
        ];
        const idempotency =
          key === undefined
            ? undefined
            : {
                key,
                fingerprint: createHash('sha256')
                  .update(JSON.stringify(input))
                  .digest('hex'),
              };
        try {
          const {order, created} = await orders.create(input, idempotency);
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
        } catch (e: unknown) {
          throw domainError(e);
        }
      },
    },
    {
      method: 'PATCH',
      path: '/orders/:id/status',
      handler: async req => {
        const {id} = parseInput(idParams, req.params, 'path');
        const {status} = parseInput(statusBody, req.body, 'body');
        try {
          return {
            body: {
              service: 'order',
              order: await orders.updateStatus(id, status),
            },
          };
        } catch (e: unknown) {
          throw domainError(e);
        }
      },
    },
    {
      method: 'DELETE',
      path: '/orders/:id',
      handler: async req => {
        const {id} = parseInput(idParams, req.params, 'path');
        if (!(await orders.delete(id)))
          throw new NotFoundError(`Order ${id} not found.`);
        return {status: 204, body: undefined};
      },
    },
    {
      method: 'GET',
      path: '/stats',
      handler: async () => ({
        body: {service: 'order', stats: await orders.stats()},
      }),
    },
  ];
}

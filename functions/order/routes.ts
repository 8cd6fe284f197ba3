/**
 * The order function's routes: they parse and check every input (whoever
 * the caller: this function trusts no one's validation), call a use case of
 * domain.ts, and shape its answer or its error as HTTP.
 */
import {
  ADMIN,
  mayRequestFor,
  ownerFor,
  ownId,
  PUBLIC,
  scopedKey,
  visibleUserId,
} from '../common/http/access';
import {
  checkStatusChangeBy,
  createOrderSchema,
  idempotencyHeader,
  ORDER_NOT_FOUND,
  orderCalls,
  orderList,
  orderListQuery,
  OWN_CANCEL,
  OWN_NEW_ORDERS,
  OWN_ORDER,
  OWN_ORDERS,
  statusChangeSchema,
} from './contract';
import {
  ConflictError,
  HttpError,
  NotFoundError,
} from '../common/protocol/problem';
import {serve} from '../common/contract';
import {translatingErrors, type Route} from '../common/http/router';
import {
  idParams,
  pageOnly,
  parseInput,
  userIdParams,
} from '../common/protocol/validation';
import type {PerRequest} from '../common/setup/wiring';
import type {Orders} from './domain';
import {
  BusyError,
  IdempotencyMismatchError,
  OpenOrdersLimitError,
  OrderNotFoundError,
  TransitionError,
} from './errors';

/** An empty page: what a user sees of a listing of someone else's orders. */
const NOTHING = orderList({items: []});

/** How long a client is asked to wait after a BusyError, in seconds. */
export const BUSY_RETRY_AFTER_S = 1;

/** The domain's errors as HTTP errors; anything else passes through. */
export function httpErrorOf(e: unknown): unknown {
  if (e instanceof OrderNotFoundError)
    return new NotFoundError(ORDER_NOT_FOUND, e.message);
  if (e instanceof TransitionError)
    return new ConflictError('status-change-refused', e.message);
  if (e instanceof OpenOrdersLimitError)
    return new ConflictError('open-orders-limit', e.message);
  // Nothing was written: a refusal to try again, not a failure (RFC 6585).
  if (e instanceof BusyError)
    return new HttpError(429, 'orders-busy', e.message, undefined, {
      'Retry-After': String(BUSY_RETRY_AFTER_S),
    });
  // RFC draft "The Idempotency-Key HTTP Header Field": reuse with another payload is a 422.
  if (e instanceof IdempotencyMismatchError)
    return new HttpError(422, 'idempotency-key-reused', e.message);
  return e;
}

export interface OrderRouteDeps {
  /** The order use cases, acting for one request (its Firestore calls are its spans). */
  orders: PerRequest<Orders>;
}

export function orderRoutes({orders}: OrderRouteDeps): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/',
      rule: PUBLIC,
      handler: async () => ({body: {service: 'order', status: 'ok'}}),
    },
    serve(orderCalls.listOrders, {
      rule: OWN_ORDERS,
      handler: async (req, ctx) => {
        const {status, userId, ...page} = parseInput(
          orderListQuery,
          req.query,
          'query',
        );
        const visible = visibleUserId(ctx.principal, userId);
        if (visible === null) return {body: NOTHING};
        return {
          body: orderList(
            await orders(ctx).list({statuses: status, ...visible}, page),
          ),
        };
      },
    }),
    serve(orderCalls.userOrders, {
      // Another user's orders are none, as a user without orders has.
      rule: ownId('userId', async req => {
        parseInput(pageOnly, req.query, 'query');
        return {body: NOTHING};
      }),
      handler: async (req, ctx) => {
        const {userId} = parseInput(userIdParams, req.params, 'path');
        const page = parseInput(pageOnly, req.query, 'query');
        return {body: orderList(await orders(ctx).list({userId}, page))};
      },
    }),
    serve(orderCalls.getOrder, {
      rule: OWN_ORDER,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const order = await orders(ctx).get(id);
        if (!mayRequestFor(ctx, order.userId)) throw new OrderNotFoundError(id);
        return {body: {service: 'order', order}};
      },
    }),
    serve(orderCalls.createOrder, {
      rule: OWN_NEW_ORDERS,
      handler: async (req, ctx) => {
        const input = parseInput(createOrderSchema, req.body, 'body');
        ownerFor(ctx.principal, input.userId);
        const key = parseInput(idempotencyHeader, req.headers, 'headers')[
          'idempotency-key'
        ];
        const {order, created} = await orders(ctx).create(
          input,
          key === undefined ? undefined : scopedKey(ctx.principal, key),
          ctx.deadline,
        );
        // A replay is the first answer again, marked as one.
        return {
          status: 201,
          body: {service: 'order', order},
          headers: {
            Location: `/orders/${order.id}`,
            ...(!created && {'Idempotent-Replayed': 'true'}),
          },
        };
      },
    }),
    serve(orderCalls.changeStatus, {
      rule: OWN_CANCEL,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const {status} = parseInput(statusChangeSchema, req.body, 'body');
        checkStatusChangeBy(ctx.principal, status);
        return {
          body: {
            service: 'order',
            // Checked against the order as the transaction reads it.
            order: await orders(ctx).changeStatus(id, status, current =>
              mayRequestFor(ctx, current.userId),
            ),
          },
        };
      },
    }),
    serve(orderCalls.deleteOrder, {
      rule: ADMIN,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        await orders(ctx).delete(id);
        return {status: 204, body: undefined};
      },
    }),
    serve(orderCalls.stats, {
      rule: ADMIN,
      handler: async (_req, ctx) => ({
        body: {service: 'order', stats: await orders(ctx).stats()},
      }),
    }),
  ];
  return translatingErrors(routes, httpErrorOf);
}

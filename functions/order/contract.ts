/**
 * The order function's contract: what it accepts (the gateway validates
 * with the same schemas before it calls, the order function again: it
 * trusts no caller's input), what it answers (its callers parse every
 * answer with these schemas), and the end-user rules its routes share with
 * the gateway's. Callers import it from here; the order function owns it.
 */
import {z} from 'zod';
import {isAdmin, own} from '../common/http/access';
import type {Principal} from '../common/http/principal';
import {ForbiddenError} from '../common/protocol/problem';
import type {Page} from '../common/protocol/page';
import {endpoint} from '../common/contract';
import {
  idParams,
  idSchema,
  pageOnly,
  pageQuery,
  userIdParams,
} from '../common/protocol/validation';

export const ORDER_STATUSES = [
  'pending',
  'processing',
  'shipped',
  'completed',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 10_000;
export const MAX_PRICE = 1_000_000;
/**
 * The most one order may come to, in cents (US$1,000,000.00): without it
 * one order could total a hundred times MAX_ITEMS × MAX_QUANTITY ×
 * MAX_PRICE, and a few dozen such orders carry the revenue statistics past
 * where integer cents are exact in a double.
 */
export const MAX_ORDER_TOTAL_CENTS = 100_000_000;

/** True when `amount` has at most two decimals, allowing for binary floating point. */
function isWholeCents(amount: number): boolean {
  const cents = amount * 100;
  return Math.abs(cents - Math.round(cents)) < 1e-6;
}

export const orderItemSchema = z.strictObject({
  product: z
    .string()
    .trim()
    .min(1, {error: 'is required'})
    .max(200, {error: 'is too long'}),
  quantity: z
    .number({error: 'must be a number'})
    .int({error: 'must be a whole number'})
    .positive({error: 'must be positive'})
    .max(MAX_QUANTITY, {error: `must be at most ${MAX_QUANTITY}`}),
  price: z
    .number({error: 'must be a number'})
    .nonnegative({error: 'must not be negative'})
    .max(MAX_PRICE, {error: `must be at most ${MAX_PRICE}`})
    .refine(isWholeCents, {error: 'must have at most 2 decimals'}),
});

/** An order's total in cents: each price is whole cents (orderItemSchema). */
const totalCentsOf = (items: {quantity: number; price: number}[]) =>
  items.reduce((sum, i) => sum + i.quantity * Math.round(i.price * 100), 0);

/** The body of a new order. The total is not part of it: the server computes it. */
export const createOrderSchema = z.strictObject({
  userId: idSchema,
  items: z
    .array(orderItemSchema, {error: 'must be a list of items'})
    .min(1, {error: 'must have at least one item'})
    .max(MAX_ITEMS, {error: `must have at most ${MAX_ITEMS} items`})
    .refine(items => totalCentsOf(items) <= MAX_ORDER_TOTAL_CENTS, {
      error: `must come to at most ${(MAX_ORDER_TOTAL_CENTS / 100).toFixed(2)} in all`,
    }),
});
export type CreateOrder = z.infer<typeof createOrderSchema>;

/** `?status=` accepts one status or a comma-separated list of them. */
export const statusFilterSchema = z
  .string()
  .transform(s => s.split(','))
  .pipe(
    z
      .array(
        z.enum(ORDER_STATUSES, {
          error: `must be one of ${ORDER_STATUSES.join(', ')}`,
        }),
      )
      .max(ORDER_STATUSES.length),
  );

/** The body of a status change. */
export const statusChangeSchema = z.strictObject({
  status: z.enum(ORDER_STATUSES, {
    error: `must be one of ${ORDER_STATUSES.join(', ')}`,
  }),
});

/** The status an end user who is not an admin may move their own order to. */
const USER_SETTABLE_STATUS: OrderStatus = 'cancelled';

/**
 * A user who is not an admin may only cancel (their own order: checked
 * where the order is read); an admin may make any allowed transition.
 * @throws ForbiddenError
 */
export function checkStatusChangeBy(p: Principal, status: OrderStatus): void {
  if (!isAdmin(p) && status !== USER_SETTABLE_STATUS)
    throw new ForbiddenError(
      'admin-only',
      `Only an admin may set an order's status to ${status}.`,
    );
}

/** The body of a new order at the gateway: `userId` defaults to the end user's own. */
export const newOrderRequestSchema = createOrderSchema.extend({
  userId: idSchema.optional(),
});

/** Idempotency-Key header: opaque, printable, bounded. */
export const idempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{1,255}$/, {
  error: 'must be 1-255 printable ASCII characters',
});

/** The request headers of a create: an optional Idempotency-Key. */
export const idempotencyHeader = z.object({
  'idempotency-key': idempotencyKeySchema.optional(),
});

/** An order as the order function answers it: money as decimal amounts, computed from cents. */
export const orderViewSchema = z.object({
  id: z.string(),
  userId: z.string(),
  items: z.array(
    z.object({
      product: z.string(),
      quantity: z.number(),
      price: z.number(),
      subtotal: z.number(),
    }),
  ),
  total: z.number(),
  status: z.enum(ORDER_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderView = z.infer<typeof orderViewSchema>;

/** The answer of a route on one order: `GET`, `POST`, `PATCH …/status`. */
export const orderAnswerSchema = z.object({
  service: z.literal('order'),
  order: orderViewSchema,
});

/** The answer of the list routes: `GET /orders`, `GET /orders/user/:userId`. */
export const orderListSchema = z.object({
  service: z.literal('order'),
  orders: z.array(orderViewSchema),
  nextCursor: z.string().optional(),
});
export type OrderList = z.infer<typeof orderListSchema>;

/** The answer of `GET /stats`. */
export const statsAnswerSchema = z.object({
  service: z.literal('order'),
  stats: z.object({
    totalOrders: z.number(),
    totalRevenue: z.number(),
    totalRevenueCents: z.string(),
    ordersByStatus: z.record(z.enum(ORDER_STATUSES), z.number()),
    averageOrderValue: z.number(),
  }),
});

/** A page of orders as the order function answers it. */
export function orderList(page: Page<OrderView>): OrderList {
  return {service: 'order', orders: page.items, nextCursor: page.nextCursor};
}

/**
 * The order function's list, as its callers pass it on to their clients:
 * the original demo's `{count, orders}`, and the cursor of the next page.
 * Every list of our API is named for what it holds (`users`, `orders`).
 */
export const passedOnOrdersSchema = z.object({
  count: z.number(),
  orders: orderListSchema.shape.orders,
  nextCursor: z.string().optional(),
});

/** The order function's list as passedOnOrdersSchema shapes it. */
export function ordersOf(
  list: OrderList,
): z.infer<typeof passedOnOrdersSchema> {
  return {
    count: list.orders.length,
    orders: list.orders,
    nextCursor: list.nextCursor,
  };
}

// What an end user who is not an admin is limited to, on the order
// function's routes and the gateway's that call them.
export const OWN_ORDER = own('their own orders');
export const OWN_ORDERS = own('their own orders, whatever the filters');
export const OWN_NEW_ORDERS = own('orders for themselves');
export const OWN_CANCEL = own(
  'cancelling their own pending or processing order',
);

/** Statuses in which an order still has to be fulfilled. */
export const OPEN_STATUSES: OrderStatus[] = [
  'pending',
  'processing',
  'shipped',
];

/** `GET /orders` query: filters and a page. */
export const orderListQuery = z.object({
  ...pageQuery,
  status: statusFilterSchema.optional(),
  userId: idSchema.optional(),
});

/** The order function's own problem codes that its callers branch on. */
export const ORDER_NOT_FOUND = 'order-not-found';

/**
 * The order function's calls: its routes serve them (routes.ts), its
 * callers make them (the gateway, the user function) through `callTo`.
 */
export const orderCalls = {
  listOrders: endpoint({
    method: 'GET',
    path: '/orders',
    summary: 'A page of orders, filtered by status and user',
    query: orderListQuery,
    answer: orderListSchema,
    problems: {},
  }),
  userOrders: endpoint({
    method: 'GET',
    path: '/orders/user/:userId',
    summary: "A page of one user's orders",
    params: userIdParams,
    query: pageOnly,
    answer: orderListSchema,
    problems: {},
  }),
  getOrder: endpoint({
    method: 'GET',
    path: '/orders/:id',
    summary: 'One order',
    params: idParams,
    answer: orderAnswerSchema,
    problems: {[ORDER_NOT_FOUND]: 404},
  }),
  createOrder: endpoint({
    method: 'POST',
    path: '/orders',
    summary: 'A new order',
    status: 201,
    headers: idempotencyHeader,
    body: createOrderSchema,
    answer: orderAnswerSchema,
    problems: {
      'admin-only': 403,
      'open-orders-limit': 409,
      'idempotency-key-reused': 422,
      // One user's creates past what the order function takes at once:
      // nothing written, try again after Retry-After.
      'orders-busy': 429,
    },
  }),
  changeStatus: endpoint({
    method: 'PATCH',
    path: '/orders/:id/status',
    summary: "An order's status changed",
    params: idParams,
    body: statusChangeSchema,
    answer: orderAnswerSchema,
    problems: {
      'admin-only': 403,
      [ORDER_NOT_FOUND]: 404,
      'status-change-refused': 409,
    },
  }),
  deleteOrder: endpoint({
    method: 'DELETE',
    path: '/orders/:id',
    summary: 'An order deleted',
    status: 204,
    params: idParams,
    problems: {[ORDER_NOT_FOUND]: 404},
  }),
  stats: endpoint({
    method: 'GET',
    path: '/stats',
    summary: 'Counts and revenue of all orders',
    answer: statsAnswerSchema,
    problems: {},
  }),
};

/**
 * The gateway's public API as a contract: each route's method and path,
 * the schemas of what it accepts (the callees' own, where the gateway
 * passes a request on) and of its answer (the envelope around the callee's
 * answer), and the problem codes it answers beyond those every route may
 * (local/openapi.ts adds those from the route's rule and inputs). Its
 * routes serve these entries (routes.ts, workflows.ts); docs/openapi.json
 * is generated from them.
 */
import {z} from 'zod';
import {endpoint} from '../common/contract';
import {
  idParams,
  MAX_PAGE_SIZE,
  pageOnly,
  userIdParams,
} from '../common/protocol/validation';
import {
  idempotencyHeader,
  MAX_ITEMS,
  MAX_ORDER_TOTAL_CENTS,
  MAX_PRICE,
  MAX_QUANTITY,
  newOrderRequestSchema,
  orderAnswerSchema,
  orderCalls,
  orderListQuery,
  orderListSchema,
  passedOnOrdersSchema,
  statsAnswerSchema,
  statusChangeSchema,
} from '../order/contract';
import {
  meshAnswerSchema,
  userAnswerSchema,
  userCalls,
  userListSchema,
  userViewSchema,
} from '../user/contract';
import {envelopeSchema} from './envelope';

/** The gateway's own code for an order naming a user that does not exist. */
export const UNKNOWN_USER = 'unknown-user';

/** A part of the aggregate that failed, as its answer lists it. */
const partErrorSchema = z.object({
  part: z.string(),
  status: z.number(),
  code: z.string(),
  detail: z.string(),
});

export const gatewayCalls = {
  health: endpoint({
    method: 'GET',
    path: '/',
    summary: 'Health',
    description:
      'health: `{"service":"gateway","status":"ok","calls":["user","order"]}`',
    answer: z.object({
      service: z.literal('gateway'),
      status: z.literal('ok'),
      calls: z.array(z.string()),
    }),
    problems: {},
  }),
  listUsers: endpoint({
    method: 'GET',
    path: '/api/users',
    summary: 'A page of profiles',
    description: `list users (page of up to ${MAX_PAGE_SIZE}, \`nextCursor\` for the next)`,
    query: pageOnly,
    answer: envelopeSchema(userListSchema),
    problems: {},
  }),
  createUser: endpoint({
    method: 'POST',
    path: '/api/users',
    summary: 'A new profile',
    description:
      "create the caller's own profile: `{name}`, its email the one their sign-in verified (an admin: `{id?, name, email, role?}`)",
    status: 201,
    body: userCalls.createUser.body,
    answer: envelopeSchema(userAnswerSchema),
    problems: userCalls.createUser.problems,
  }),
  getUser: endpoint({
    method: 'GET',
    path: '/api/users/:id',
    summary: 'One profile',
    description: "one user; `404` if unknown, or another user's",
    params: idParams,
    answer: envelopeSchema(userAnswerSchema),
    problems: userCalls.getUser.problems,
  }),
  listOrders: endpoint({
    method: 'GET',
    path: '/api/orders',
    summary: 'A page of orders',
    description: 'list orders; `status` is one status or a comma list',
    query: orderListQuery,
    answer: envelopeSchema(orderListSchema),
    problems: {},
  }),
  getOrder: endpoint({
    method: 'GET',
    path: '/api/orders/:id',
    summary: 'One order',
    description: "one order; another user's answers as a missing one (`404`)",
    params: idParams,
    answer: envelopeSchema(orderAnswerSchema),
    problems: orderCalls.getOrder.problems,
  }),
  changeStatus: endpoint({
    method: 'PATCH',
    path: '/api/orders/:id/status',
    summary: "An order's status changed",
    description:
      '`{"status": …}`: a user may cancel their own order, an admin make any allowed transition',
    params: idParams,
    body: statusChangeSchema,
    answer: envelopeSchema(orderAnswerSchema),
    problems: orderCalls.changeStatus.problems,
  }),
  createOrder: endpoint({
    method: 'POST',
    path: '/api/orders',
    summary: 'A new order',
    description: `create an order: \`{userId?, items: [{product, quantity, price}]}\`, \`userId\` the caller's own unless given, for a user who exists (else \`422\`); money exact to the cent, at most ${MAX_ITEMS} items of at most ${MAX_QUANTITY.toLocaleString('en-US')} at most ${MAX_PRICE.toLocaleString('en-US', {minimumFractionDigits: 2})} each, and at most ${(MAX_ORDER_TOTAL_CENTS / 100).toLocaleString('en-US', {minimumFractionDigits: 2})} in all (else \`400\`); a limit of open (pending or processing) orders per user (\`MAX_OPEN_ORDERS\`, 100 unless set; else \`409\`); \`Idempotency-Key\` makes a retry answer the first order again (\`201\`, \`Idempotent-Replayed: true\`); one user's creates past what the order function takes at once: \`429\` with \`Retry-After\`, nothing written`,
    status: 201,
    headers: idempotencyHeader,
    body: newOrderRequestSchema,
    answer: envelopeSchema(orderAnswerSchema),
    answerHeaders: {
      'Idempotency-Key':
        "The key the order was created under: the request's own, or one the gateway made up for its call to the order function.",
      'Idempotent-Replayed':
        '`true` when the key was seen before: the answer is the first order again.',
    },
    problems: {...orderCalls.createOrder.problems, [UNKNOWN_USER]: 422},
  }),
  aggregate: endpoint({
    method: 'GET',
    path: '/api/aggregate',
    summary: 'Users, orders and stats',
    description:
      'users, orders and stats fetched in parallel; still `200` when a part fails, with `errors: [{part, status, code, detail}]`',
    answer: envelopeSchema(
      z.object({
        users: userListSchema.optional(),
        orders: orderListSchema.optional(),
        stats: statsAnswerSchema.optional(),
      }),
      {
        workflow: z.literal('aggregate'),
        errors: z.array(partErrorSchema).optional(),
      },
    ),
    problems: {},
  }),
  userOrdersMesh: endpoint({
    method: 'GET',
    path: '/api/user-orders/:userId',
    summary: 'A profile and its orders (mesh)',
    description:
      'mesh pattern: the user function answers, calling the order function',
    params: userIdParams,
    answer: envelopeSchema(meshAnswerSchema.omit({mesh_path: true}), {
      workflow: z.literal('user-orders-mesh'),
      mesh_path: z.array(z.string()),
    }),
    problems: userCalls.userOrders.problems,
  }),
  userOrdersDirect: endpoint({
    method: 'GET',
    path: '/api/user-orders-direct/:userId',
    summary: 'A profile and its orders (direct)',
    description:
      'direct pattern: the gateway calls the user and order functions at once',
    params: userIdParams,
    answer: envelopeSchema(
      z.object({user: userViewSchema, orders: passedOnOrdersSchema}),
      {workflow: z.literal('user-orders-direct')},
    ),
    problems: userCalls.getUser.problems,
  }),
};

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
import {idParams, pageOnly, userIdParams} from '../common/validation';
import {
  idempotencyHeader,
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
    query: pageOnly,
    answer: envelopeSchema(userListSchema),
    problems: {},
  }),
  createUser: endpoint({
    method: 'POST',
    path: '/api/users',
    summary: "The caller's own profile ({name}); an admin's, any",
    status: 201,
    body: userCalls.createUser.body,
    answer: envelopeSchema(userAnswerSchema),
    problems: userCalls.createUser.problems,
  }),
  getUser: endpoint({
    method: 'GET',
    path: '/api/users/:id',
    summary: 'One profile',
    params: idParams,
    answer: envelopeSchema(userAnswerSchema),
    problems: userCalls.getUser.problems,
  }),
  listOrders: endpoint({
    method: 'GET',
    path: '/api/orders',
    summary: 'A page of orders; status is one status or a comma list',
    query: orderListQuery,
    answer: envelopeSchema(orderListSchema),
    problems: {},
  }),
  getOrder: endpoint({
    method: 'GET',
    path: '/api/orders/:id',
    summary: "One order; another user's answers as a missing one",
    params: idParams,
    answer: envelopeSchema(orderAnswerSchema),
    problems: orderCalls.getOrder.problems,
  }),
  changeStatus: endpoint({
    method: 'PATCH',
    path: '/api/orders/:id/status',
    summary:
      'A status change: a user may cancel their own order, an admin make any allowed transition',
    params: idParams,
    body: statusChangeSchema,
    answer: envelopeSchema(orderAnswerSchema),
    problems: orderCalls.changeStatus.problems,
  }),
  createOrder: endpoint({
    method: 'POST',
    path: '/api/orders',
    summary:
      "A new order, for a user who exists; userId defaults to the caller's own",
    status: 201,
    headers: idempotencyHeader,
    body: newOrderRequestSchema,
    answer: envelopeSchema(orderAnswerSchema),
    problems: {...orderCalls.createOrder.problems, [UNKNOWN_USER]: 422},
  }),
  aggregate: endpoint({
    method: 'GET',
    path: '/api/aggregate',
    summary:
      'Users, orders and stats fetched in parallel; a part that fails is listed in errors',
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
    summary: 'A profile and its orders through the user function (mesh)',
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
    summary:
      'A profile and its orders, from the user and order functions at once (direct)',
    params: userIdParams,
    answer: envelopeSchema(
      z.object({user: userViewSchema, orders: passedOnOrdersSchema}),
      {workflow: z.literal('user-orders-direct')},
    ),
    problems: userCalls.getUser.problems,
  }),
};

/**
 * The gateway's public API. It owns no data: every route calls the user or
 * order function with the gateway's identity and wraps the answer in the
 * envelope `{source, target, flow, workflow?, mesh_path?, data}`. It validates input before any
 * call, so bad requests never cost a hop, and its rules refuse early what
 * they can: no token, not an admin, another user's id in the path
 * (answered as the user function answers a missing one).
 */
import {ADMIN, PUBLIC} from '../common/http/access';
import type {Route} from '../common/http/router';
import type {GatewayRouteDeps} from './deps';
import {idParams, pageOnly, parseInput} from '../common/protocol/validation';
import {
  checkStatusChangeBy,
  orderAnswerSchema,
  orderListQuery,
  orderListSchema,
  OWN_CANCEL,
  OWN_ORDER,
  OWN_ORDERS,
  statusChangeSchema,
} from '../order/contract';
import {
  OWN_PROFILE,
  OWN_USER_ID,
  profileRequest,
  userAnswerSchema,
  userListSchema,
} from '../user/contract';
import {envelope, pageParams} from './envelope';
import {workflowRoutes} from './workflows';

/** Every route of the gateway: those on one function's data, then workflowRoutes. */
export function gatewayRoutes(deps: GatewayRouteDeps): Route[] {
  const {users, orders} = deps;
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
    ...workflowRoutes(deps),
  ];
}

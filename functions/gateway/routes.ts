/**
 * The gateway's public API. It owns no data: every route calls the user or
 * order function with the gateway's identity and wraps the answer in the
 * envelope `{source, target, flow, workflow?, mesh_path?, data}`. It validates input before any
 * call, so bad requests never cost a hop, and its rules refuse early what
 * they can: no token, not an admin, another user's id in the path
 * (answered as the user function answers a missing one).
 */
import {ADMIN, PUBLIC} from '../common/http/access';
import {callTo, serve} from '../common/contract';
import type {Route} from '../common/http/router';
import type {GatewayRouteDeps} from './deps';
import {idParams, pageOnly, parseInput} from '../common/protocol/validation';
import {
  checkStatusChangeBy,
  orderCalls,
  orderListQuery,
  OWN_CANCEL,
  OWN_ORDER,
  OWN_ORDERS,
  statusChangeSchema,
} from '../order/contract';
import {
  OWN_PROFILE,
  OWN_USER_ID,
  profileRequest,
  userCalls,
} from '../user/contract';
import {gatewayCalls} from './contract';
import {envelope, pageParams} from './envelope';
import {workflowRoutes} from './workflows';

/** Every route of the gateway: those on one function's data, then workflowRoutes. */
export function gatewayRoutes(deps: GatewayRouteDeps): Route[] {
  const {users, orders} = deps;
  return [
    serve(gatewayCalls.health, {
      rule: PUBLIC,
      handler: async () => ({
        body: {service: 'gateway', status: 'ok', calls: ['user', 'order']},
      }),
    }),
    serve(gatewayCalls.listUsers, {
      rule: ADMIN,
      handler: async (req, ctx) => {
        const page = parseInput(pageOnly, req.query, 'query');
        const res = await callTo(users, ctx, userCalls.listUsers, {
          query: pageParams(page),
        });
        return {body: envelope('user', 'gateway → user', res.data)};
      },
    }),
    serve(gatewayCalls.createUser, {
      rule: OWN_PROFILE,
      handler: async (req, ctx) => {
        // The user function decides again; refusing here saves the hop.
        const {input} = profileRequest(ctx.principal, req.body);
        const res = await callTo(users, ctx, userCalls.createUser, {
          body: input,
        });
        return {
          status: res.status,
          body: envelope('user', 'gateway → user', res.data),
        };
      },
    }),
    serve(gatewayCalls.getUser, {
      rule: OWN_USER_ID('id'),
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const res = await callTo(users, ctx, userCalls.getUser, {
          params: {id},
        });
        return {body: envelope('user', 'gateway → user', res.data)};
      },
    }),
    serve(gatewayCalls.listOrders, {
      rule: OWN_ORDERS,
      handler: async (req, ctx) => {
        const {status, userId, ...page} = parseInput(
          orderListQuery,
          req.query,
          'query',
        );
        const res = await callTo(orders, ctx, orderCalls.listOrders, {
          query: {...pageParams(page), status: status?.join(','), userId},
        });
        return {body: envelope('order', 'gateway → order', res.data)};
      },
    }),
    serve(gatewayCalls.getOrder, {
      rule: OWN_ORDER,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const res = await callTo(orders, ctx, orderCalls.getOrder, {
          params: {id},
        });
        return {body: envelope('order', 'gateway → order', res.data)};
      },
    }),
    serve(gatewayCalls.changeStatus, {
      rule: OWN_CANCEL,
      handler: async (req, ctx) => {
        const {id} = parseInput(idParams, req.params, 'path');
        const change = parseInput(statusChangeSchema, req.body, 'body');
        checkStatusChangeBy(ctx.principal, change.status);
        const res = await callTo(orders, ctx, orderCalls.changeStatus, {
          params: {id},
          body: change,
        });
        return {body: envelope('order', 'gateway → order', res.data)};
      },
    }),
    ...workflowRoutes(deps),
  ];
}

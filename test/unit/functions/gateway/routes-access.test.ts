/**
 * Who may do what at the gateway, route by route: each of its routes as
 * nobody, with a forged or a foreign token, as a user on their own data and
 * on another's, and as an admin, through the real end-user check. What each
 * is answered (status, problem code) and which calls it made downstream,
 * for whom: a refusal the gateway can make costs no hop.
 */
import {expect} from 'chai';
import {END_USER_AUTHORIZATION} from '../../../../functions/common/http/context';
import type {
  Call,
  ServiceReply,
} from '../../../../functions/common/calls/service-client';
import {gatewayRoutes} from '../../../../functions/gateway/routes';
import {
  expectAnswer,
  titleOf,
  unsigned,
  type AccessCase,
} from '../../../fixtures/access-table';
import {asEndUser, endUserCheck, UID} from '../../../fixtures/signed-end-users';
import {gateway, headers} from '../../../fixtures/gateway';

const AT = '2024-02-01T10:00:00.000Z';
const profile = (id: string) => ({
  id,
  name: `Name of ${id}`,
  email: `${id}@example.com`,
  role: 'viewer',
  createdAt: AT,
});
const anOrder = (id: string, userId: string) => ({
  id,
  userId,
  items: [{product: 'Cable', quantity: 1, price: 2.5, subtotal: 2.5}],
  total: 2.5,
  status: 'pending',
  createdAt: AT,
  updatedAt: AT,
});

/** The user function as the gateway sees it: every uid has a profile. */
function users(call: Call): ServiceReply<unknown> {
  const [, id, sub] = call.path;
  const user = (uid: string) => ({service: 'user', user: profile(uid)});
  if (call.method === 'POST')
    return {status: 201, data: user(UID.bob), headers};
  if (id === undefined)
    return {
      status: 200,
      data: {service: 'user', users: [profile(UID.alice)]},
      headers,
    };
  if (sub === 'orders')
    return {
      status: 200,
      data: {
        ...user(id),
        orders: {count: 1, orders: [anOrder('o-1', id)]},
        mesh_path: ['user', 'order'],
      },
      headers,
    };
  return {status: 200, data: user(id), headers};
}

/** The order function as the gateway sees it. */
function orders(call: Call): ServiceReply<unknown> {
  const one = {service: 'order', order: anOrder('o-1', UID.bob)};
  if (call.path[0] === 'stats')
    return {
      status: 200,
      data: {
        service: 'order',
        stats: {
          totalOrders: 0,
          totalRevenue: 0,
          totalRevenueCents: '0',
          ordersByStatus: {},
          averageOrderValue: 0,
        },
      },
      headers,
    };
  if (call.method === 'POST') return {status: 201, data: one, headers};
  if (call.method === 'PATCH' || call.path.length === 2)
    return {status: 200, data: one, headers};
  return {
    status: 200,
    data: {service: 'order', orders: [anOrder('o-1', UID.bob)]},
    headers,
  };
}

interface Case extends AccessCase {
  /** The calls made, as `service METHOD path`. */
  calls: string[];
}

const item = {product: 'Cable', quantity: 1, price: 2.5};
const {alice, bob, carol} = UID;

/** The refusals of a request without a valid end user: no call made. */
const refused = (req: string, body?: object): Case[] =>
  unsigned(req, body).map(c => ({...c, calls: []}));

/** Every route of the gateway, with what each kind of requester gets. */
const table: Record<string, Case[]> = {
  'GET /': [
    {who: 'nobody', req: 'GET /', status: 200, calls: []},
    // A public route asks no one: a bad token is not even looked at.
    {who: 'forged', req: 'GET /', status: 200, calls: []},
  ],
  'GET /api/users': [
    ...refused('GET /api/users'),
    {
      who: 'bob',
      req: 'GET /api/users',
      status: 403,
      code: 'admin-only',
      calls: [],
    },
    {
      who: 'alice',
      req: 'GET /api/users',
      status: 200,
      calls: ['user GET users'],
    },
  ],
  'POST /api/users': [
    ...refused('POST /api/users', {name: 'Bob'}),
    {
      who: 'bob',
      req: 'POST /api/users',
      body: {name: 'Bob'},
      status: 201,
      calls: ['user POST users'],
    },
    {
      who: 'bob',
      req: 'POST /api/users',
      body: {name: 'Bob', id: carol},
      status: 403,
      code: 'admin-only',
      calls: [],
    },
    {
      who: 'bob',
      req: 'POST /api/users',
      body: {name: 'Bob', role: 'admin'},
      status: 403,
      code: 'admin-only',
      calls: [],
    },
    {
      who: 'alice',
      req: 'POST /api/users',
      body: {name: 'Carol', id: carol, email: 'c@example.com'},
      status: 201,
      calls: ['user POST users'],
    },
  ],
  'GET /api/users/:id': [
    ...refused(`GET /api/users/${bob}`),
    {
      who: 'bob',
      req: `GET /api/users/${bob}`,
      status: 200,
      calls: [`user GET users/${bob}`],
    },
    {
      who: 'bob',
      req: `GET /api/users/${carol}`,
      status: 404,
      code: 'user-not-found',
      calls: [],
    },
    {
      who: 'bob',
      req: 'GET /api/users/__bad__',
      status: 400,
      code: 'invalid-request',
      calls: [],
    },
    {
      who: 'alice',
      req: `GET /api/users/${carol}`,
      status: 200,
      calls: [`user GET users/${carol}`],
    },
  ],
  'GET /api/orders': [
    ...refused('GET /api/orders'),
    {
      who: 'bob',
      req: 'GET /api/orders',
      status: 200,
      calls: ['order GET orders'],
    },
    // The order function decides what a filter on another user shows.
    {
      who: 'bob',
      req: `GET /api/orders?userId=${carol}`,
      status: 200,
      calls: ['order GET orders'],
    },
    {
      who: 'alice',
      req: 'GET /api/orders',
      status: 200,
      calls: ['order GET orders'],
    },
  ],
  'GET /api/orders/:id': [
    ...refused('GET /api/orders/o-1'),
    // Whose an order is, only the order function knows.
    {
      who: 'bob',
      req: 'GET /api/orders/o-1',
      status: 200,
      calls: ['order GET orders/o-1'],
    },
    {
      who: 'alice',
      req: 'GET /api/orders/o-1',
      status: 200,
      calls: ['order GET orders/o-1'],
    },
  ],
  'PATCH /api/orders/:id/status': [
    ...refused('PATCH /api/orders/o-1/status', {status: 'cancelled'}),
    {
      who: 'bob',
      req: 'PATCH /api/orders/o-1/status',
      body: {status: 'cancelled'},
      status: 200,
      calls: ['order PATCH orders/o-1/status'],
    },
    {
      who: 'bob',
      req: 'PATCH /api/orders/o-1/status',
      body: {status: 'shipped'},
      status: 403,
      code: 'admin-only',
      calls: [],
    },
    {
      who: 'alice',
      req: 'PATCH /api/orders/o-1/status',
      body: {status: 'shipped'},
      status: 200,
      calls: ['order PATCH orders/o-1/status'],
    },
  ],
  'POST /api/orders': [
    ...refused('POST /api/orders', {items: [item]}),
    {
      who: 'bob',
      req: 'POST /api/orders',
      body: {items: [item]},
      status: 201,
      calls: [`user GET users/${bob}`, 'order POST orders'],
    },
    {
      who: 'bob',
      req: 'POST /api/orders',
      body: {userId: carol, items: [item]},
      status: 403,
      code: 'admin-only',
      calls: [],
    },
    {
      who: 'alice',
      req: 'POST /api/orders',
      body: {userId: carol, items: [item]},
      status: 201,
      calls: [`user GET users/${carol}`, 'order POST orders'],
    },
  ],
  'GET /api/aggregate': [
    ...refused('GET /api/aggregate'),
    {
      who: 'bob',
      req: 'GET /api/aggregate',
      status: 403,
      code: 'admin-only',
      calls: [],
    },
    {
      who: 'alice',
      req: 'GET /api/aggregate',
      status: 200,
      calls: ['user GET users', 'order GET orders', 'order GET stats'],
    },
  ],
  'GET /api/user-orders/:userId': [
    ...refused(`GET /api/user-orders/${bob}`),
    {
      who: 'bob',
      req: `GET /api/user-orders/${bob}`,
      status: 200,
      calls: [`user GET users/${bob}/orders`],
    },
    {
      who: 'bob',
      req: `GET /api/user-orders/${carol}`,
      status: 404,
      code: 'user-not-found',
      calls: [],
    },
    {
      who: 'alice',
      req: `GET /api/user-orders/${carol}`,
      status: 200,
      calls: [`user GET users/${carol}/orders`],
    },
  ],
  'GET /api/user-orders-direct/:userId': [
    ...refused(`GET /api/user-orders-direct/${bob}`),
    {
      who: 'bob',
      req: `GET /api/user-orders-direct/${bob}`,
      status: 200,
      calls: [`user GET users/${bob}`, `order GET orders/user/${bob}`],
    },
    {
      who: 'bob',
      req: `GET /api/user-orders-direct/${carol}`,
      status: 404,
      code: 'user-not-found',
      calls: [],
    },
    {
      who: 'alice',
      req: `GET /api/user-orders-direct/${carol}`,
      status: 200,
      calls: [`user GET users/${carol}`, `order GET orders/user/${carol}`],
    },
  ],
};

describe('gateway: who may do what, route by route', () => {
  it('has a row for every route of the gateway', () => {
    const routes = gatewayRoutes({users: {} as never, orders: {} as never});
    expect(Object.keys(table)).to.have.members(
      routes.map(r => `${r.method} ${r.path}`),
    );
  });

  for (const [route, cases] of Object.entries(table))
    for (const c of cases)
      it(`${titleOf(route, c)}, calling ${c.calls.length === 0 ? 'no one' : c.calls.join(', ')}`, async () => {
        const g = gateway(users, orders, endUserCheck());
        const [method, path] = c.req.split(' ');
        const auth = asEndUser(c.who);
        let req = g.api()[method.toLowerCase() as 'get'](path).set(auth);
        if (c.body !== undefined) req = req.send(c.body);
        const res = await req;
        expectAnswer(res, c);
        const named = (service: string, call: Call) =>
          `${service} ${call.method} ${call.path.join('/')}`;
        expect(
          [
            ...g.users.map(x => named('user', x.call)),
            ...g.orders.map(x => named('order', x.call)),
          ].sort(),
        ).to.deep.equal([...c.calls].sort());
        // Every call acts for the end user, whose own token goes with it.
        for (const {ctx} of [...g.users, ...g.orders]) {
          expect(ctx.principal).to.deep.include({
            kind: 'end-user',
            uid: c.who === 'alice' ? alice : bob,
            admin: c.who === 'alice',
          });
          expect(ctx[END_USER_AUTHORIZATION]).to.equal(auth.Authorization);
        }
      });
});

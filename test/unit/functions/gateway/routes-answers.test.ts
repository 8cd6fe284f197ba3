/**
 * What each gateway route answers and asks (stand-in callers, end-user
 * checks off): its envelope (which function answered, the path the request
 * took, the answer), the call it made with what the client sent, and a bad
 * request refused before any call, naming the part of it that was bad.
 */
import {expect} from 'chai';
import type {Call} from '../../../../functions/common/calls/service-client';
import {
  alice,
  aliceOrders,
  gateway,
  headers,
  ordersAnswer,
  usersAnswer,
} from '../../../fixtures/gateway';

/** The fixture's stand-ins, with a new profile and a status change. */
const users = (call: Call) =>
  call.method === 'POST'
    ? {status: 201, data: {service: 'user', user: alice}, headers}
    : usersAnswer(call);
const orders = (call: Call) =>
  call.method === 'PATCH'
    ? {status: 200, data: {service: 'order', order: aliceOrders[0]}, headers}
    : ordersAnswer(call);

/** What the stand-ins answer `call`, as the gateway gets it. */
const answer = (service: 'user' | 'order', call: Call) =>
  (service === 'user' ? users : orders)(call);
const answered = (service: 'user' | 'order', call: Call) =>
  answer(service, call).data;

describe('gateway: what each route answers', () => {
  const cases: {
    req: string;
    body?: object;
    status?: number;
    /** The envelope around the one call's answer. */
    envelope: {target: string; flow: string; workflow?: string};
    call: {service: 'user' | 'order'} & Call;
  }[] = [
    {
      req: 'GET /api/users?limit=5&cursor=user-001',
      envelope: {target: 'user', flow: 'gateway → user'},
      call: {
        service: 'user',
        method: 'GET',
        path: ['users'],
        query: {limit: '5', cursor: 'user-001'},
      },
    },
    {
      req: 'POST /api/users',
      body: {id: 'user-009', name: 'Eve', email: 'eve@example.com'},
      envelope: {target: 'user', flow: 'gateway → user'},
      call: {
        service: 'user',
        method: 'POST',
        path: ['users'],
        body: {id: 'user-009', name: 'Eve', email: 'eve@example.com'},
      },
    },
    {
      req: 'GET /api/users/user-001',
      envelope: {target: 'user', flow: 'gateway → user'},
      call: {service: 'user', method: 'GET', path: ['users', 'user-001']},
    },
    {
      req: 'GET /api/orders?limit=3&status=pending,shipped&userId=user-001',
      envelope: {target: 'order', flow: 'gateway → order'},
      call: {
        service: 'order',
        method: 'GET',
        path: ['orders'],
        query: {
          limit: '3',
          cursor: undefined,
          status: 'pending,shipped',
          userId: 'user-001',
        },
      },
    },
    {
      req: 'GET /api/orders/order-001',
      envelope: {target: 'order', flow: 'gateway → order'},
      call: {service: 'order', method: 'GET', path: ['orders', 'order-001']},
    },
    {
      req: 'PATCH /api/orders/order-001/status',
      body: {status: 'shipped'},
      envelope: {target: 'order', flow: 'gateway → order'},
      call: {
        service: 'order',
        method: 'PATCH',
        path: ['orders', 'order-001', 'status'],
        body: {status: 'shipped'},
      },
    },
  ];
  cases.forEach(c =>
    it(`${c.req}: the ${c.envelope.target} function's answer in its envelope`, async () => {
      const g = gateway(users, orders);
      const [method, path] = c.req.split(' ');
      let req = g.api()[method.toLowerCase() as 'get'](path);
      if (c.body !== undefined) req = req.send(c.body);
      const res = await req;
      const {service, ...call} = c.call;
      const calls = service === 'user' ? g.users : g.orders;
      expect(calls.map(x => x.call)).to.deep.equal([call]);
      expect(g.users.length + g.orders.length).to.equal(1);
      expect(res.status).to.equal(answer(service, call).status);
      expect(res.body).to.deep.equal({
        source: 'gateway',
        ...c.envelope,
        data: answered(service, call),
      });
    }),
  );

  it('GET /api/aggregate: users, orders and stats under one envelope', async () => {
    const g = gateway();
    const res = await g.api().get('/api/aggregate');
    expect(res.body).to.deep.equal({
      source: 'gateway',
      target: 'user, order',
      flow: 'gateway → user, gateway → order',
      workflow: 'aggregate',
      data: {
        users: answered('user', {method: 'GET', path: ['users']}),
        orders: answered('order', {method: 'GET', path: ['orders']}),
        stats: answered('order', {method: 'GET', path: ['stats']}),
      },
    });
  });

  it('GET /api/user-orders/:userId: the mesh answer, its path at the top', async () => {
    const res = await gateway().api().get('/api/user-orders/user-001');
    expect(res.body).to.deep.equal({
      source: 'gateway',
      target: 'user',
      flow: 'gateway → user → order',
      workflow: 'user-orders-mesh',
      mesh_path: ['gateway', 'user', 'order'],
      data: {
        service: 'user',
        user: alice,
        orders: {count: 2, orders: aliceOrders},
      },
    });
  });

  it('GET /api/user-orders-direct/:userId: the user and their orders, asked of each function', async () => {
    const g = gateway();
    const res = await g.api().get('/api/user-orders-direct/user-001');
    expect(res.body).to.deep.equal({
      source: 'gateway',
      target: 'user, order',
      flow: 'gateway → user, gateway → order (in parallel)',
      workflow: 'user-orders-direct',
      data: {user: alice, orders: {count: 2, orders: aliceOrders}},
    });
    expect(g.users.map(x => x.call)).to.deep.equal([
      {method: 'GET', path: ['users', 'user-001']},
    ]);
    expect(g.orders.map(x => x.call)).to.deep.equal([
      {method: 'GET', path: ['orders', 'user', 'user-001']},
    ]);
  });

  const bad: {
    req: string;
    body?: unknown;
    headers?: Record<string, string>;
    part: string;
  }[] = [
    {req: 'GET /api/users?limit=abc', part: 'query'},
    {req: 'GET /api/users/a%20b', part: 'path'},
    {req: 'GET /api/orders?status=lost', part: 'query'},
    {req: 'GET /api/orders/a%20b', part: 'path'},
    {
      req: 'PATCH /api/orders/a%20b/status',
      body: {status: 'shipped'},
      part: 'path',
    },
    {
      req: 'PATCH /api/orders/order-001/status',
      body: {status: 'lost'},
      part: 'body',
    },
    {req: 'POST /api/users', body: {name: ''}, part: 'body'},
    {req: 'POST /api/orders', body: {items: []}, part: 'body'},
    {
      req: 'POST /api/orders',
      body: {
        userId: 'user-001',
        items: [{product: 'x', quantity: 1, price: 1}],
      },
      headers: {'Idempotency-Key': 'k'.repeat(256)},
      part: 'headers',
    },
    {req: 'GET /api/user-orders/a%20b', part: 'path'},
    {req: 'GET /api/user-orders-direct/a%20b', part: 'path'},
  ];
  bad.forEach(c =>
    it(`refuses ${c.req} with a bad ${c.part} before any call, saying it is the ${c.part}`, async () => {
      const g = gateway();
      const [method, path] = c.req.split(' ');
      let req = g
        .api()
        [method.toLowerCase() as 'get'](path)
        .set(c.headers ?? {});
      if (c.body !== undefined) req = req.send(c.body as object);
      const res = await req;
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('invalid-request');
      expect(res.body.detail).to.contain(c.part);
      expect(g.users.length + g.orders.length).to.equal(0);
    }),
  );
});

/**
 * The gateway's routes over HTTP with stand-in callers for the user and order
 * functions (no network): envelopes, validation before any call, parallel
 * calls, and how downstream failures reach the client.
 */
import type {ReadableSpan} from '@opentelemetry/sdk-trace';
import {expect} from 'chai';
import type {z} from 'zod';
import request from 'supertest';
import type {RequestContext} from '../../../../functions/common/context';
import {createHttpFunction} from '../../../../functions/common/http-function';
import {DownstreamError} from '../../../../functions/common/problem';
import type {
  Call,
  ServiceCaller,
  ServiceReply,
} from '../../../../functions/common/service-client';
import {JsonLogger} from '../../../../functions/common/logger';
import {gatewayRoutes} from '../../../../functions/gateway/routes';
import {frameworkServer} from '../../../fixtures/functions';

type Answer = (
  call: Call,
) => ServiceReply<unknown> | Promise<ServiceReply<unknown>>;

/**
 * A caller of `service` that answers from `answer`, parsed with the
 * contract's schema as ServiceClient parses it, and records each call with
 * its context.
 */
function fakeCaller(service: string, answer: Answer) {
  const calls: {call: Call; ctx: RequestContext; at: number}[] = [];
  const caller: ServiceCaller = {
    async call<S extends z.ZodType>(
      ctx: RequestContext,
      call: Call,
      schema: S,
    ) {
      calls.push({call, ctx, at: Date.now()});
      const reply = await answer(call);
      const parsed = schema.safeParse(reply.data);
      if (!parsed.success)
        throw new DownstreamError(service, 'malformed', reply.status);
      return {...reply, data: parsed.data as z.infer<S>};
    },
  };
  return {caller, calls};
}

const alice = {
  id: 'user-001',
  name: 'Alice Johnson',
  email: 'alice@example.com',
  role: 'admin',
  createdAt: '2024-01-15T10:00:00.000Z',
};
const anOrder = (id: string) => ({
  id,
  userId: 'user-001',
  items: [{product: 'Cable', quantity: 3, price: 4.99, subtotal: 14.97}],
  total: 14.97,
  status: 'pending',
  createdAt: '2024-02-01T10:00:00.000Z',
  updatedAt: '2024-02-01T10:00:00.000Z',
});
const aliceOrders = [anOrder('order-001'), anOrder('order-003')];
const delay = (ms: number) => new Promise(r => setTimeout(r, ms));
/** A callee's answer headers: none that matter here. */
const headers = new Headers();

function usersAnswer(call: Call): ServiceReply<unknown> {
  const [, id, sub] = call.path;
  if (id === undefined)
    return {status: 200, data: {service: 'user', users: [alice]}, headers};
  if (id !== 'user-001')
    throw new DownstreamError('user', 'rejected', 404, {
      code: 'user-not-found',
      detail: `User ${id} not found.`,
    });
  if (sub === 'orders')
    return {
      status: 200,
      data: {
        service: 'user',
        user: alice,
        orders: {count: 2, orders: aliceOrders},
        mesh_path: ['user', 'order'],
      },
      headers,
    };
  return {status: 200, data: {service: 'user', user: alice}, headers};
}

function ordersAnswer(call: Call): ServiceReply<unknown> {
  if (call.path[0] === 'stats')
    return {
      status: 200,
      data: {
        service: 'order',
        stats: {
          totalOrders: 4,
          totalRevenue: 59.88,
          totalRevenueCents: '5988',
          ordersByStatus: {
            pending: 4,
            processing: 0,
            shipped: 0,
            completed: 0,
            cancelled: 0,
          },
          averageOrderValue: 14.97,
        },
      },
      headers,
    };
  if (call.path[0] === 'orders' && call.path.length === 2) {
    const id = call.path[1];
    if (id !== 'order-001')
      throw new DownstreamError('order', 'rejected', 404, {
        code: 'order-not-found',
        detail: `Order ${id} not found.`,
      });
    return {
      status: 200,
      data: {service: 'order', order: aliceOrders[0]},
      headers,
    };
  }
  if (call.method === 'POST')
    return {
      status: 201,
      data: {service: 'order', order: anOrder('new')},
      headers,
    };
  return {status: 200, data: {service: 'order', orders: aliceOrders}, headers};
}

function gateway(users: Answer = usersAnswer, orders: Answer = ordersAnswer) {
  const u = fakeCaller('user', users);
  const o = fakeCaller('order', orders);
  const logs: Record<string, unknown>[] = [];
  const server = frameworkServer(
    createHttpFunction({
      service: 'gateway',
      projectId: 'p',
      requestTimeoutMs: 5000,
      endUsers: 'off',
      logger: new JsonLogger('gateway', 'info', {
        add: line => logs.push(JSON.parse(line)),
        hold: () => () => undefined,
      }),
      routes: gatewayRoutes({users: u.caller, orders: o.caller}),
    }),
  );
  return {api: () => request(server), users: u.calls, orders: o.calls, logs};
}

describe('gateway function (HTTP)', () => {
  it('answers its health check naming the services it calls', async () => {
    const res = await gateway().api().get('/');
    expect(res.body).to.deep.equal({
      service: 'gateway',
      status: 'ok',
      calls: ['user', 'order'],
    });
  });

  it('wraps a user lookup in the envelope', async () => {
    const res = await gateway().api().get('/api/users/user-001');
    expect(res.body).to.deep.equal({
      source: 'gateway',
      target: 'user',
      flow: 'gateway → user',
      data: {service: 'user', user: alice},
    });
  });

  it('passes on a downstream 404 as a 404', async () => {
    const res = await gateway().api().get('/api/users/user-999');
    expect(res.body).to.include({status: 404, code: 'user-not-found'});
    expect(res.body.detail).to.include('user-999');
  });

  it('refuses an id that would change the downstream path, before calling anyone', async () => {
    const g = gateway();
    const res = await g.api().get('/api/users/..%2Forders');
    expect(res.status).to.equal(400);
    expect(g.users).to.have.length(0);
  });

  it('reads one order through the order function, which decides whose it is', async () => {
    const g = gateway();
    const res = await g.api().get('/api/orders/order-001');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      source: 'gateway',
      target: 'order',
      flow: 'gateway → order',
      data: {service: 'order', order: aliceOrders[0]},
    });
    expect(g.orders.map(c => c.call)).to.deep.equal([
      {method: 'GET', path: ['orders', 'order-001']},
    ]);
    // Another user's order or none: the order function's 404, as it is.
    const missing = await g.api().get('/api/orders/order-404');
    expect(missing.status).to.equal(404);
    expect(missing.body.code).to.equal('order-not-found');
    // An id that would change the order function's path: refused here.
    const bad = await g.api().get('/api/orders/..%2Fstats');
    expect(bad.status).to.equal(400);
    expect(g.orders).to.have.length(2);
  });

  it('validates and passes on order filters', async () => {
    const g = gateway();
    expect(
      (
        await g
          .api()
          .get('/api/orders?status=pending,shipped&userId=user-001&limit=5')
      ).status,
    ).to.equal(200);
    expect(g.orders[0].call.query).to.deep.equal({
      limit: '5',
      cursor: undefined,
      status: 'pending,shipped',
      userId: 'user-001',
    });
    const bad = await g.api().get('/api/orders?status=lost');
    expect(bad.status).to.equal(400);
    expect(g.orders).to.have.length(1);
  });

  it("answers 502 naming the callee, not a crash, when an answer breaks the callee's contract", async () => {
    // The mesh route without the path it took, a profile without its email.
    const g = gateway(() => ({
      status: 200,
      data: {service: 'user', user: {id: 'user-001', name: 'Alice'}},
      headers,
    }));
    for (const route of ['/api/user-orders/user-001', '/api/users/user-001']) {
      const res = await g.api().get(route);
      expect(res.status, route).to.equal(502);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body.code).to.equal('service-malformed-answer');
      expect(res.body.detail).to.match(/\buser\b/);
    }
  });

  it('serves the mesh route with every hop in mesh_path', async () => {
    const g = gateway();
    const res = await g.api().get('/api/user-orders/user-001');
    expect(res.body).to.include({
      source: 'gateway',
      workflow: 'user-orders-mesh',
      flow: 'gateway → user → order',
    });
    expect(res.body.mesh_path).to.deep.equal(['gateway', 'user', 'order']);
    // One path, the whole one: user's own part is not repeated in data.
    expect(res.body.data).not.to.have.property('mesh_path');
    expect(res.body.data.user.id).to.equal('user-001');
    expect(g.users[0].call.path).to.deep.equal(['users', 'user-001', 'orders']);
    expect(g.orders).to.have.length(0);
  });

  it('serves the direct route with both calls in parallel', async () => {
    // Each stand-in answers only once the other call has started: run one
    // after the other, the route could not complete.
    let userStarted!: () => void;
    let orderStarted!: () => void;
    const started = {
      user: new Promise<void>(r => (userStarted = r)),
      order: new Promise<void>(r => (orderStarted = r)),
    };
    const waitFor = (p: Promise<void>) =>
      Promise.race([
        p,
        delay(2000).then(() =>
          Promise.reject(new Error('the calls ran one after the other')),
        ),
      ]);
    const g = gateway(
      async call => {
        userStarted();
        await waitFor(started.order);
        return usersAnswer(call);
      },
      async call => {
        orderStarted();
        await waitFor(started.user);
        return ordersAnswer(call);
      },
    );
    const res = await g.api().get('/api/user-orders-direct/user-001');
    expect(res.status).to.equal(200);
    expect(res.body).to.include({workflow: 'user-orders-direct'});
    expect(res.body.data).to.deep.equal({
      user: alice,
      orders: {count: 2, orders: aliceOrders},
    });
  });

  describe('POST /api/orders', () => {
    const body = {
      userId: 'user-001',
      items: [{product: 'Cable', quantity: 3, price: 4.99}],
    };

    it("checks the user, then creates the order with the client's Idempotency-Key", async () => {
      const g = gateway();
      const res = await g
        .api()
        .post('/api/orders')
        .set('Idempotency-Key', 'client-key')
        .send(body);
      expect(res.status).to.equal(201);
      expect(res.body).to.include({source: 'gateway', target: 'order'});
      expect(g.users[0].call.path).to.deep.equal(['users', 'user-001']);
      expect(g.orders[0].call).to.deep.include({
        method: 'POST',
        path: ['orders'],
        body,
        headers: {'idempotency-key': 'client-key'},
      });
      expect(res.headers['idempotency-key']).to.equal('client-key');
    });

    it('makes up a key when the client sent none, so its own retries are safe', async () => {
      const g = gateway();
      const res = await g.api().post('/api/orders').send(body);
      expect(g.orders[0].call.headers!['idempotency-key']).to.match(
        /^[0-9a-f-]{36}$/,
      );
      expect(res.headers['idempotency-key']).to.equal(
        g.orders[0].call.headers!['idempotency-key'],
      );
    });

    it('answers 422 for an unknown user and creates nothing', async () => {
      const g = gateway();
      const res = await g
        .api()
        .post('/api/orders')
        .send({...body, userId: 'user-999'});
      expect(res.body).to.include({status: 422, code: 'unknown-user'});
      expect(res.body.errors).to.deep.equal([
        {field: 'userId', message: 'no user user-999'},
      ]);
      expect(g.orders).to.have.length(0);
    });

    const bad: {name: string; body: unknown; field: string}[] = [
      {name: 'no items', body: {userId: 'user-001', items: []}, field: 'items'},
      {
        name: 'a price with three decimals',
        body: {
          userId: 'user-001',
          items: [{product: 'x', quantity: 1, price: 1.234}],
        },
        field: 'items[0].price',
      },
      {name: 'a missing user', body: {items: body.items}, field: 'userId'},
    ];
    bad.forEach(c =>
      it(`answers 400 to ${c.name} without calling anyone`, async () => {
        const g = gateway();
        const res = await g
          .api()
          .post('/api/orders')
          .send(c.body as object);
        expect(res.status).to.equal(400);
        expect(res.body.errors.map((e: {field: string}) => e.field)).to.include(
          c.field,
        );
        expect(g.users.length + g.orders.length).to.equal(0);
      }),
    );
  });

  describe('GET /api/aggregate', () => {
    it('returns users, orders and stats together', async () => {
      const res = await gateway().api().get('/api/aggregate');
      expect(res.status).to.equal(200);
      expect(res.body.data).to.have.keys('users', 'orders', 'stats');
      expect(res.body).not.to.have.property('errors');
    });

    it('still answers 200 with what it has when a part fails, naming the failure', async () => {
      const res = await gateway(usersAnswer, () => {
        throw new DownstreamError('order', 'unavailable');
      })
        .api()
        .get('/api/aggregate');
      expect(res.status).to.equal(200);
      expect(res.body.data).to.have.keys('users');
      const errors = res.body.errors as {detail: unknown}[];
      for (const e of errors) expect(e.detail).to.include('order');
      const parts = res.body.errors as {
        part: string;
        status: number;
        code: string;
      }[];
      expect(
        parts.map(({part, status, code}) => ({part, status, code})),
      ).to.deep.equal([
        {part: 'orders', status: 503, code: 'service-unavailable'},
        {part: 'stats', status: 503, code: 'service-unavailable'},
      ]);
    });
  });

  const failures: {
    failure: 'unavailable' | 'timeout' | 'failed';
    status: number;
  }[] = [
    {failure: 'unavailable', status: 503},
    {failure: 'timeout', status: 504},
    {failure: 'failed', status: 502},
  ];
  failures.forEach(c =>
    it(`maps a downstream ${c.failure} to ${c.status}`, async () => {
      const res = await gateway(() => {
        throw new DownstreamError('user', c.failure, 500);
      })
        .api()
        .get('/api/users');
      expect(res.status).to.equal(c.status);
      expect(res.headers['content-type']).to.match(
        /^application\/problem\+json/,
      );
    }),
  );

  it('logs a downstream failure with its cause, and a downstream 404 not as a failure', async () => {
    const down = gateway(() => {
      throw new DownstreamError(
        'user',
        'unavailable',
        undefined,
        undefined,
        new Error('connect ECONNREFUSED 10.8.0.5:443'),
      );
    });
    await down.api().get('/api/users').set('X-Request-Id', 'r-down');
    const failure = down.logs.find(l => l.message === 'request failed');
    expect(failure).to.include({severity: 'ERROR', requestId: 'r-down'});
    expect(failure!.cause).to.contain('ECONNREFUSED');

    const missing = gateway();
    await missing.api().get('/api/users/user-999');
    expect(missing.logs.map(l => l.message)).to.deep.equal([
      'GET /api/users/user-999 404',
    ]);
    expect(missing.logs[0]).to.include({severity: 'INFO'});
  });

  it('answers 500 without details when a handler fails unexpectedly', async () => {
    const res = await gateway(() => {
      throw new TypeError(
        "Cannot read properties of undefined (reading 'secret')",
      );
    })
      .api()
      .get('/api/users');
    expect(res.status).to.equal(500);
    expect(res.text).not.to.contain('secret');
  });

  it('gives every call the request id and trace of the incoming request', async () => {
    const g = gateway();
    const traceparent =
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await g
      .api()
      .get('/api/user-orders-direct/user-001')
      .set('X-Request-Id', 'abc-1')
      .set('traceparent', traceparent);
    expect(res.headers['x-request-id']).to.equal('abc-1');
    for (const {ctx} of [...g.users, ...g.orders]) {
      expect(ctx.requestId).to.equal('abc-1');
      expect(ctx.span.spanContext().traceId).to.equal(
        '0af7651916cd43dd8448eb211c80319c',
      );
      expect(
        (ctx.span as unknown as ReadableSpan).parentSpanContext?.spanId,
      ).to.equal('b7ad6b7169203331');
    }
  });
});

/**
 * The gateway's routes over HTTP with stand-in callers for the user and order
 * functions (no network): envelopes, validation before any call, parallel
 * calls, and how downstream failures reach the client.
 */
import type {ReadableSpan} from '@opentelemetry/sdk-trace';
import {expect} from 'chai';
import {DownstreamError} from '../../../../functions/common/protocol/problem';
import {
  alice,
  aliceOrders,
  gateway,
  headers,
  ordersAnswer,
  usersAnswer,
} from '../../../fixtures/gateway';

const delay = (ms: number) => new Promise(r => setTimeout(r, ms));

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
    const res = await down.api().get('/api/users');
    const failure = down.logs.find(l => l.message === 'request failed');
    expect(failure).to.include({
      severity: 'ERROR',
      requestId: res.headers['x-request-id'],
    });
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

  it('gives every call the request id it issued and the trace of the incoming request', async () => {
    const g = gateway();
    const traceparent =
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await g
      .api()
      .get('/api/user-orders-direct/user-001')
      .set('X-Request-Id', 'abc-1')
      .set('traceparent', traceparent);
    // Its own id, not the one the client chose.
    const id = res.headers['x-request-id'] as string;
    expect(id).to.be.a('string').and.not.equal('abc-1');
    for (const {ctx} of [...g.users, ...g.orders]) {
      expect(ctx.requestId).to.equal(id);
      expect(ctx.span.spanContext().traceId).to.equal(
        '0af7651916cd43dd8448eb211c80319c',
      );
      expect(
        (ctx.span as unknown as ReadableSpan).parentSpanContext?.spanId,
      ).to.equal('b7ad6b7169203331');
    }
  });
});

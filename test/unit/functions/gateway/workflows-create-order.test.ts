/**
 * A new order at the gateway (workflows.ts) when the user check does not
 * simply succeed: only the user function's own "no such user" is an
 * unknown user (422); any other failure of the check is passed on as what
 * it is, and no order is created. And a replay the order function reports
 * is reported to the client.
 */
import {expect} from 'chai';
import {DownstreamError} from '../../../../functions/common/protocol/problem';
import type {Call} from '../../../../functions/common/calls/service-client';
import {gateway, ordersAnswer} from '../../../fixtures/gateway';

const body = {
  userId: 'user-001',
  items: [{product: 'Cable', quantity: 1, price: 2.5}],
};

describe('gateway: POST /api/orders when the user check fails', () => {
  const cases: {
    name: string;
    error: () => unknown;
    status: number;
    code: string;
  }[] = [
    {
      name: "the user function's own no-such-user",
      error: () =>
        new DownstreamError('user', 'rejected', 404, {
          code: 'user-not-found',
          detail: 'User user-001 not found.',
        }),
      status: 422,
      code: 'unknown-user',
    },
    {
      name: 'another 404 (a route the user function lacks)',
      error: () =>
        new DownstreamError('user', 'rejected', 404, {
          code: 'route-not-found',
          detail: 'No such route.',
        }),
      status: 404,
      code: 'route-not-found',
    },
    {
      name: 'a failed call, whatever its answer says',
      error: () =>
        new DownstreamError('user', 'failed', 500, {
          code: 'user-not-found',
          detail: 'User user-001 not found.',
        }),
      status: 502,
      code: 'service-failed',
    },
    {
      name: 'a user function that is down',
      error: () => new DownstreamError('user', 'unavailable'),
      status: 503,
      code: 'service-unavailable',
    },
    {
      name: 'a fault of ours',
      error: () => new TypeError('x is not a function'),
      status: 500,
      code: 'internal',
    },
  ];
  cases.forEach(c =>
    it(`answers ${c.status} ${c.code} to ${c.name}, creating nothing`, async () => {
      const g = gateway(() => {
        throw c.error();
      });
      const res = await g.api().post('/api/orders').send(body);
      expect(res.status).to.equal(c.status);
      expect(res.body.code).to.equal(c.code);
      expect(g.orders).to.have.length(0);
      if (c.status === 422) {
        expect(res.body.detail).to.be.a('string').with.length.above(0);
        expect(res.body.errors).to.deep.equal([
          {field: 'userId', message: 'no user user-001'},
        ]);
      }
    }),
  );
});

describe('gateway: POST /api/orders, answered', () => {
  it('says the order was a replay when the order function says so, and only then', async () => {
    for (const replayed of ['true', undefined, 'false']) {
      const g = gateway(undefined, (call: Call) => ({
        ...ordersAnswer(call),
        headers: new Headers(
          replayed === undefined ? {} : {'Idempotent-Replayed': replayed},
        ),
      }));
      const res = await g
        .api()
        .post('/api/orders')
        .set('Idempotency-Key', 'k-1')
        .send(body);
      expect(res.status).to.equal(201);
      expect(res.headers['idempotency-key']).to.equal('k-1');
      expect(res.headers['idempotent-replayed']).to.equal(
        replayed === 'true' ? 'true' : undefined,
      );
      expect(res.body).to.deep.include({
        source: 'gateway',
        target: 'order',
        flow: 'gateway → user (check), gateway → order (create)',
      });
    }
  });

  it('needs a user to create the order for when no one signed in (end-user checks off)', async () => {
    const g = gateway();
    const res = await g.api().post('/api/orders').send({items: body.items});
    expect(res.status).to.equal(400);
    expect(res.body.detail).to.be.a('string').with.length.above(0);
    expect(res.body.errors).to.have.length(1);
    expect(res.body.errors[0].field).to.equal('userId');
    expect(res.body.errors[0].message).to.be.a('string').with.length.above(0);
    expect(g.users.length + g.orders.length).to.equal(0);
  });
});

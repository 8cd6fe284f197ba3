/**
 * The order function over HTTP, built as in production, on seeded data in
 * the emulator: creating, replaying, moving, listing, counting and deleting
 * orders.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import request from 'supertest';
import {parseConfig} from '../../../../functions/common/platform/config';
import {ConfigError} from '../../../../functions/common/platform/variables';
import {create as createOrder} from '../../../../functions/order/index';
import {callHeaders, frameworkServer} from '../../../fixtures/functions';
import {
  ORDER_SELF as SELF,
  newOrder,
  startOrderFunction,
  type OrderFunction,
} from '../../../fixtures/order-function';

describe('order function (HTTP)', () => {
  let kit: OrderFunction['kit'];
  let server: Server;
  let auth: OrderFunction['auth'];

  before(async () => {
    ({kit, server, auth} = await startOrderFunction());
  });
  after(() => kit.identity.stop());

  const api = () => request(server);

  it('creates an order and computes its total', async () => {
    const res = await api().post('/orders').set(auth).send(newOrder);
    expect(res.status).to.equal(201);
    expect(res.headers.location).to.equal(`/orders/${res.body.order.id}`);
    expect(res.body.order).to.include({
      status: 'pending',
      total: 14.97,
      userId: 'user-002',
    });
    const fetched = await api().get(`/orders/${res.body.order.id}`).set(auth);
    expect(fetched.body.order).to.deep.equal(res.body.order);
  });

  it('replays a create with the same Idempotency-Key and refuses the key for another body', async () => {
    const first = await api()
      .post('/orders')
      .set(auth)
      .set('Idempotency-Key', 'retry-1')
      .send(newOrder);
    const again = await api()
      .post('/orders')
      .set(auth)
      .set('Idempotency-Key', 'retry-1')
      .send(newOrder);
    expect(first.status).to.equal(201);
    expect(first.headers['idempotent-replayed']).to.equal(undefined);
    // The first answer again, marked as a replay.
    expect(again.status).to.equal(201);
    expect(again.headers['idempotent-replayed']).to.equal('true');
    expect(again.headers.location).to.equal(first.headers.location);
    expect(again.body).to.deep.equal(first.body);
    const other = await api()
      .post('/orders')
      .set(auth)
      .set('Idempotency-Key', 'retry-1')
      .send({...newOrder, userId: 'user-003'});
    expect(other.body).to.include({
      status: 422,
      code: 'idempotency-key-reused',
    });
  });

  it('replays the first answer after the order changed, and after it was deleted', async () => {
    const send = () =>
      api()
        .post('/orders')
        .set(auth)
        .set('Idempotency-Key', 'retry-after-change')
        .send(newOrder);
    const first = await send();
    const id = first.body.order.id;
    const cancelled = await api()
      .patch(`/orders/${id}/status`)
      .set(auth)
      .send({status: 'cancelled'});
    expect(cancelled.status).to.equal(200);
    const afterChange = await send();
    expect(afterChange.status).to.equal(201);
    expect(afterChange.body).to.deep.equal(first.body);
    expect(afterChange.body.order.status).to.equal('pending');
    expect((await api().delete(`/orders/${id}`).set(auth)).status).to.equal(
      204,
    );
    const afterDelete = await send();
    expect(afterDelete.status).to.equal(201);
    expect(afterDelete.headers['idempotent-replayed']).to.equal('true');
    expect(afterDelete.body).to.deep.equal(first.body);
  });

  it('moves an order along its lifecycle and answers 409 to an impossible step', async () => {
    const ok = await api()
      .patch('/orders/order-003/status')
      .set(auth)
      .send({status: 'processing'});
    expect(ok.status).to.equal(200);
    expect(ok.body.order.status).to.equal('processing');
    const bad = await api()
      .patch('/orders/order-001/status')
      .set(auth)
      .send({status: 'pending'});
    expect(bad.body).to.include({status: 409, code: 'status-change-refused'});
  });

  it("answers 409 past a user's open-order limit (MAX_OPEN_ORDERS), and refuses a malformed one at start", async () => {
    const env = {
      ...kit.inboundEnv(SELF, ['gateway', 'user']),
      FIRESTORE_DATABASE: 'order-data',
    };
    const limited = frameworkServer(
      createOrder(parseConfig('order', {...env, MAX_OPEN_ORDERS: '1'})),
    );
    const order = {...newOrder, userId: 'user-limited'};
    const first = await request(limited).post('/orders').set(auth).send(order);
    expect(first.status).to.equal(201);
    const second = await request(limited).post('/orders').set(auth).send(order);
    expect(second.status).to.equal(409);
    expect(second.type).to.equal('application/problem+json');
    expect(second.body.code).to.equal('open-orders-limit');
    expect(second.body.detail).to.include('user-limited');
    // Cancelled, it no longer counts.
    const cancel = await request(limited)
      .patch(`/orders/${first.body.order.id}/status`)
      .set(auth)
      .send({status: 'cancelled'});
    expect(cancel.status).to.equal(200);
    expect(
      (await request(limited).post('/orders').set(auth).send(order)).status,
    ).to.equal(201);
    for (const bad of ['0', 'many', '1.5'])
      expect(() =>
        createOrder(parseConfig('order', {...env, MAX_OPEN_ORDERS: bad})),
      ).to.throw(ConfigError, 'MAX_OPEN_ORDERS');
  });

  it('lists by user and by status', async () => {
    const byUser = await api().get('/orders/user/user-001').set(auth);
    expect(byUser.body.orders.map((o: {id: string}) => o.id)).to.deep.equal([
      'order-001',
      'order-003',
    ]);
    const shipped = await api().get('/orders?status=shipped').set(auth);
    expect(shipped.body.orders.map((o: {id: string}) => o.id)).to.deep.equal([
      'order-004',
    ]);
  });

  it("answers a user's request for another's orders as for one without orders, its query checked alike", async () => {
    const bob = callHeaders(
      kit.token('gateway', SELF),
      kit.endUser('user-002'),
    );
    for (const uid of ['user-001', 'user-999']) {
      const none = await api().get(`/orders/user/${uid}`).set(bob);
      expect([none.status, none.body]).to.deep.equal([
        200,
        {service: 'order', orders: []},
      ]);
      expect(
        (await api().get(`/orders/user/${uid}?limit=0`).set(bob)).status,
      ).to.equal(400);
    }
  });

  it('serves stats', async () => {
    const res = await api().get('/stats').set(auth);
    expect(res.status).to.equal(200);
    // Other tests here add orders, so the figures are checked against the
    // orders the list route shows at the same moment.
    const all = await api().get('/orders?limit=100').set(auth);
    const orders: {status: string; total: number}[] = all.body.orders;
    const earning = orders.filter(o => o.status !== 'cancelled');
    const revenueCents = earning.reduce(
      (sum, o) => sum + Math.round(o.total * 100),
      0,
    );
    const byStatus = (status: string) =>
      orders.filter(o => o.status === status).length;
    expect(res.body.stats).to.deep.equal({
      totalOrders: orders.length,
      totalRevenue: revenueCents / 100,
      totalRevenueCents: String(revenueCents),
      ordersByStatus: {
        pending: byStatus('pending'),
        processing: byStatus('processing'),
        shipped: byStatus('shipped'),
        completed: byStatus('completed'),
        cancelled: byStatus('cancelled'),
      },
      averageOrderValue: Math.round(revenueCents / earning.length) / 100,
    });
    expect(orders.length).to.be.within(4, 99);
  });

  it('deletes an order, then answers 404 for it', async () => {
    const created = await api().post('/orders').set(auth).send(newOrder);
    expect(
      (await api().delete(`/orders/${created.body.order.id}`).set(auth)).status,
    ).to.equal(204);
    expect(
      (await api().delete(`/orders/${created.body.order.id}`).set(auth)).status,
    ).to.equal(404);
    expect(
      (await api().get(`/orders/${created.body.order.id}`).set(auth)).status,
    ).to.equal(404);
  });
});

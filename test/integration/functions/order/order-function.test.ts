/**
 * The order function over HTTP, built as in production, with real tokens
 * checked against a real identity server and data in the emulator.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import {request as httpRequest} from 'node:http';
import type {AddressInfo} from 'node:net';
import request from 'supertest';
import {parseConfig} from '../../../../functions/common/config';
import {ConfigError} from '../../../../functions/common/variables';
import {createFirestore} from '../../../../functions/common/firestore';
import {create as createOrder} from '../../../../functions/order/index';
import {loadSeed} from '../../../../local/seed';
import {
  callHeaders,
  frameworkServer,
  testIdentity,
} from '../../../fixtures/functions';

const SELF = 'http://order.test';
const newOrder = {
  userId: 'user-002',
  items: [{product: 'Cable', quantity: 3, price: 4.99}],
};

describe('order function (HTTP)', () => {
  let kit: Awaited<ReturnType<typeof testIdentity>>;
  let server: Server;
  /** The gateway calling for an admin: most tests are about orders, not who may see them. */
  let auth: Record<string, string>;

  before(async () => {
    kit = await testIdentity();
    const db = createFirestore(kit.projectId, 'order-data');
    await loadSeed({orders: db});
    await db.terminate();
    server = frameworkServer(
      createOrder(
        parseConfig('order', {
          ...kit.inboundEnv(SELF, ['gateway', 'user']),
          FIRESTORE_DATABASE: 'order-data',
        }),
      ),
    );
    auth = callHeaders(
      kit.token('gateway', SELF),
      kit.endUser('admin-1', {admin: true}),
    );
  });
  after(() => kit.identity.stop());

  const api = () => request(server);

  describe('authentication', () => {
    const cases: {
      name: string;
      header: () => string | undefined;
      status: number;
    }[] = [
      {name: 'no token', header: () => undefined, status: 401},
      {
        name: 'a token for another audience',
        header: () => `Bearer ${kit.token('gateway', 'http://user.test')}`,
        status: 401,
      },
      {
        name: 'an expired token',
        header: () => `Bearer ${kit.token('gateway', SELF, {iat: 1, exp: 2})}`,
        status: 401,
      },
      {
        name: 'a stripped signature',
        header: () =>
          `Bearer ${kit.token('gateway', SELF).replace(/\.[^.]+$/, '.SIGNATURE_REMOVED_BY_GOOGLE')}`,
        status: 401,
      },
      {
        name: "the order function's own account (not on its list)",
        header: () => `Bearer ${kit.token('order', SELF)}`,
        status: 403,
      },
      {
        name: "the user function's account",
        header: () => `Bearer ${kit.token('user', SELF)}`,
        status: 200,
      },
    ];
    cases.forEach(c =>
      it(`answers ${c.status} to ${c.name}`, async () => {
        const req = api()
          .get('/orders')
          .set(
            'Authorization',
            `Bearer ${kit.endUser('admin-1', {admin: true})}`,
          );
        const header = c.header();
        if (header) void req.set('X-Serverless-Authorization', header);
        const res = await req;
        expect(res.status).to.equal(c.status);
        if (c.status === 401) {
          expect(res.headers['www-authenticate']).to.match(/^Bearer/);
          expect(res.headers['content-type']).to.match(
            /^application\/problem\+json/,
          );
        }
      }),
    );

    it('checks the token before routing, so unknown paths are 401 too', async () => {
      expect((await api().get('/no/such/route')).status).to.equal(401);
    });
  });

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

  describe('bad input', () => {
    const cases: {
      name: string;
      send: () => request.Test;
      status: number;
      /** The problem's code, when not invalid-request. */
      code?: string;
      field?: string;
    }[] = [
      {
        name: 'an invalid order',
        send: () =>
          api()
            .post('/orders')
            .send({
              userId: 'u',
              items: [{product: 'x', quantity: -1, price: 1}],
            }),
        status: 400,
        field: 'items[0].quantity',
      },
      {
        name: 'a client-supplied total',
        send: () =>
          api()
            .post('/orders')
            .send({...newOrder, total: 0.01}),
        status: 400,
      },
      {
        name: 'an over-long Idempotency-Key',
        send: () =>
          api()
            .post('/orders')
            .set('Idempotency-Key', 'k'.repeat(300))
            .send(newOrder),
        status: 400,
        field: 'idempotency-key',
      },
      {
        name: 'malformed JSON',
        send: () =>
          api()
            .post('/orders')
            .set('Content-Type', 'application/json')
            .send('{"userId":'),
        status: 400,
        code: 'invalid-json',
      },
      {
        name: 'a form body',
        send: () => api().post('/orders').type('form').send('userId=x'),
        status: 415,
        code: 'unsupported-media-type',
      },
      {
        name: 'an oversized body',
        send: () =>
          api()
            .post('/orders')
            .set('Content-Type', 'application/json')
            .send(JSON.stringify({pad: 'x'.repeat(70_000)})),
        status: 413,
        code: 'body-too-large',
      },
      {
        name: 'an unknown status',
        send: () =>
          api().patch('/orders/order-002/status').send({status: 'lost'}),
        status: 400,
        field: 'status',
      },
      {
        name: 'a status filter that does not exist',
        send: () => api().get('/orders?status=lost'),
        status: 400,
      },
      {
        name: 'a page size over the cap',
        send: () => api().get('/orders?limit=1000'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'a cursor that is not an id',
        send: () => api().get('/orders?cursor=../x'),
        status: 400,
        field: 'cursor',
      },
      {
        name: 'a repeated query parameter',
        send: () => api().get('/orders?userId=a&userId=b'),
        status: 400,
        field: 'userId',
      },
      {
        name: 'an id with a dot-dot',
        send: () => api().get('/orders/..%2Fstats'),
        status: 400,
        field: 'id',
      },
      ...[
        ['an order id Firestore reserves', () => api().get('/orders/__x__')],
        [
          'a status change of an id Firestore reserves',
          () => api().patch('/orders/__x__/status').send({status: 'cancelled'}),
        ],
        [
          'a cursor Firestore reserves',
          () => api().get('/orders?cursor=__x__'),
        ],
        ["a reserved user's orders", () => api().get('/orders/user/__name__')],
        ['a delete of a reserved id', () => api().delete('/orders/__x__')],
      ].map(([name, send]) => ({
        name: name as string,
        send: send as () => request.Test,
        status: 400,
      })),
      {
        name: 'an unknown order',
        send: () => api().get('/orders/does-not-exist'),
        status: 404,
        code: 'order-not-found',
      },
      {
        name: 'an unknown route',
        send: () => api().get('/nope'),
        status: 404,
        code: 'route-not-found',
      },
      {
        name: 'a wrong method',
        send: () => api().put('/orders').send({}),
        status: 405,
        code: 'method-not-allowed',
      },
    ];
    cases.forEach(c =>
      it(`answers ${c.status} with a problem document to ${c.name}`, async () => {
        const res = await c.send().set(auth);
        expect(res.status).to.equal(c.status);
        expect(res.headers['content-type']).to.match(
          /^application\/problem\+json/,
        );
        expect(res.body).to.include({
          status: c.status,
          code: c.code ?? 'invalid-request',
          type: `tag:functions-s2s.example,2026:${c.code ?? 'invalid-request'}`,
        });
        expect(res.body.requestId).to.be.a('string');
        expect(res.text).not.to.match(/<html|at .*\.js:\d+/i);
        if (c.field)
          expect(
            res.body.errors.map((e: {field: string}) => e.field),
          ).to.include(c.field);
      }),
    );

    /** POSTs `chunks` to /orders with no Content-Length (Transfer-Encoding: chunked). */
    const streamed = async (chunks: string[]) => {
      if (!server.listening)
        await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      const {port} = server.address() as AddressInfo;
      return new Promise<{status: number; type: string; body: string}>(
        (resolve, reject) => {
          const req = httpRequest(
            {
              port,
              host: '127.0.0.1',
              method: 'POST',
              path: '/orders',
              headers: {'Content-Type': 'application/json', ...auth},
            },
            r => {
              let body = '';
              r.on('data', d => (body += d));
              r.on('end', () =>
                resolve({
                  status: r.statusCode ?? 0,
                  type: String(r.headers['content-type']),
                  body,
                }),
              );
            },
          );
          // The server may stop reading a body that is too large and close.
          req.on('error', e => (req.writableEnded ? undefined : reject(e)));
          for (const chunk of chunks) req.write(chunk);
          req.end();
        },
      );
    };

    it('accepts a small JSON body streamed without a length', async () => {
      const res = await streamed([
        '{"userId":"user-001",',
        '"items":[{"product":"Streamed","quantity":1,"price":1}]}',
      ]);
      expect(res.status, res.body).to.equal(201);
      expect(JSON.parse(res.body).order.total).to.equal(1);
    });

    it('answers 413 to a streamed body over the limit, as to a declared one', async () => {
      const res = await streamed([
        '{"userId":"user-001","items":[',
        ...Array.from(
          {length: 80},
          () => `${'{"product":"x","quantity":1,"price":1},'.repeat(30)}`,
        ),
        ']}',
      ]);
      server.close();
      expect(res.status).to.equal(413);
      expect(res.type).to.equal('application/problem+json');
      expect(JSON.parse(res.body).code).to.equal('body-too-large');
    });
  });
});

/**
 * Who may do what on the order function, route by route, on the seed
 * orders in the real Firestore emulator (Alice, the admin, has order-001
 * and order-003; Bob order-002; Carol order-004): each route called by the
 * gateway as nobody, with a forged or a foreign token, as a user on their
 * own orders and on another's, and as an admin. What each is answered, what
 * is stored afterwards (a refusal writes nothing), and what the request's
 * log line says was decided.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {orderRoutes} from '../../../../functions/order/routes';
import {ORDERS} from '../../../../functions/order/store';
import {loadSeed} from '../../../../local/seed';
import {isolatedFirestore} from '../../../fixtures/emulator';
import {
  expectAnswer,
  expectDecision,
  idsAnswered,
  titleOf,
  unsigned,
  type AccessCase,
} from '../../../fixtures/access-table';
import {UID, type Who} from '../../../fixtures/signed-end-users';
import {orderFunctionOn} from '../../../fixtures/order-routes';

const {alice, bob, carol} = UID;
const items = [{product: 'Cable', quantity: 2, price: 2.5}];

interface Case extends AccessCase {
  /** The ids of the orders answered: a list's, or the one order's. */
  orders?: string[];
  /** Statuses afterwards (undefined: deleted); without it or createdFor, nothing changed. */
  after?: Record<string, string | undefined>;
  /** The user of the order the request stored. */
  createdFor?: string;
}

const table: Record<string, Case[]> = {
  'GET /': [{who: 'nobody', req: 'GET /', status: 200}],
  'GET /orders': [
    ...unsigned('GET /orders'),
    {who: 'bob', req: 'GET /orders', status: 200, orders: ['order-002']},
    {
      who: 'bob',
      req: `GET /orders?userId=${bob}`,
      status: 200,
      orders: ['order-002'],
    },
    // Another's filter shows nothing, not even whether they have orders.
    {who: 'bob', req: `GET /orders?userId=${alice}`, status: 200, orders: []},
    {
      who: 'bob',
      req: 'GET /orders?status=processing,shipped',
      status: 200,
      orders: ['order-002'],
    },
    {who: 'carol', req: 'GET /orders?status=pending', status: 200, orders: []},
    {
      who: 'alice',
      req: 'GET /orders',
      status: 200,
      orders: ['order-001', 'order-002', 'order-003', 'order-004'],
    },
    {
      who: 'alice',
      req: `GET /orders?userId=${carol}`,
      status: 200,
      orders: ['order-004'],
    },
    {
      who: 'bob',
      req: 'GET /orders?status=lost',
      status: 400,
      code: 'invalid-request',
    },
  ],
  'GET /orders/user/:userId': [
    ...unsigned(`GET /orders/user/${bob}`),
    {
      who: 'bob',
      req: `GET /orders/user/${bob}`,
      status: 200,
      orders: ['order-002'],
    },
    {
      who: 'bob',
      req: `GET /orders/user/${alice}`,
      status: 200,
      orders: [],
      hidden: true,
    },
    // Another's is checked as one's own: a bad page is a 400 either way.
    {
      who: 'bob',
      req: `GET /orders/user/${alice}?limit=0`,
      status: 400,
      code: 'invalid-request',
      hidden: true,
    },
    {
      who: 'bob',
      req: 'GET /orders/user/__x__',
      status: 400,
      code: 'invalid-request',
    },
    {
      who: 'alice',
      req: `GET /orders/user/${alice}`,
      status: 200,
      orders: ['order-001', 'order-003'],
    },
    {
      who: 'alice',
      req: `GET /orders/user/${carol}`,
      status: 200,
      orders: ['order-004'],
    },
  ],
  'GET /orders/:id': [
    ...unsigned('GET /orders/order-002'),
    {
      who: 'bob',
      req: 'GET /orders/order-002',
      status: 200,
      orders: ['order-002'],
    },
    {
      who: 'bob',
      req: 'GET /orders/order-004',
      status: 404,
      code: 'order-not-found',
      hidden: true,
    },
    {
      who: 'alice',
      req: 'GET /orders/order-004',
      status: 200,
      orders: ['order-004'],
    },
    {
      who: 'alice',
      req: 'GET /orders/order-404',
      status: 404,
      code: 'order-not-found',
    },
  ],
  'POST /orders': [
    ...unsigned('POST /orders', {userId: bob, items}),
    {
      who: 'bob',
      req: 'POST /orders',
      body: {userId: bob, items},
      status: 201,
      createdFor: bob,
    },
    {
      who: 'bob',
      req: 'POST /orders',
      body: {userId: carol, items},
      status: 403,
      code: 'admin-only',
      byHandler: true,
    },
    {
      who: 'alice',
      req: 'POST /orders',
      body: {userId: carol, items},
      status: 201,
      createdFor: carol,
    },
  ],
  'PATCH /orders/:id/status': [
    ...unsigned('PATCH /orders/order-002/status', {status: 'cancelled'}),
    {
      who: 'bob',
      req: 'PATCH /orders/order-002/status',
      body: {status: 'cancelled'},
      status: 200,
      orders: ['order-002'],
      after: {'order-002': 'cancelled'},
    },
    {
      who: 'bob',
      req: 'PATCH /orders/order-003/status',
      body: {status: 'cancelled'},
      status: 404,
      code: 'order-not-found',
      hidden: true,
    },
    {
      who: 'bob',
      req: 'PATCH /orders/order-002/status',
      body: {status: 'shipped'},
      status: 403,
      code: 'admin-only',
      byHandler: true,
    },
    {
      who: 'alice',
      req: 'PATCH /orders/order-002/status',
      body: {status: 'shipped'},
      status: 200,
      orders: ['order-002'],
      after: {'order-002': 'shipped'},
    },
    {
      who: 'alice',
      req: 'PATCH /orders/order-004/status',
      body: {status: 'pending'},
      status: 409,
      code: 'status-change-refused',
    },
  ],
  'DELETE /orders/:id': [
    ...unsigned('DELETE /orders/order-002'),
    {
      who: 'bob',
      req: 'DELETE /orders/order-002',
      status: 403,
      code: 'admin-only',
    },
    {
      who: 'alice',
      req: 'DELETE /orders/order-002',
      status: 204,
      after: {'order-002': undefined},
    },
    {
      who: 'alice',
      req: 'DELETE /orders/order-404',
      status: 404,
      code: 'order-not-found',
    },
  ],
  'GET /stats': [
    ...unsigned('GET /stats'),
    {who: 'bob', req: 'GET /stats', status: 403, code: 'admin-only'},
    {who: 'alice', req: 'GET /stats', status: 200},
  ],
};

describe('order function: who may do what, route by route', () => {
  let db: Firestore;
  let fn: ReturnType<typeof orderFunctionOn>;
  beforeEach(async () => {
    db = isolatedFirestore();
    await loadSeed({orders: db});
    fn = orderFunctionOn(db);
  });
  afterEach(() => db.terminate());

  /** Every stored order: id → its fields. */
  const stored = async () =>
    Object.fromEntries(
      (await db.collection(ORDERS).get()).docs.map(d => [d.id, d.data()]),
    );

  it('has a row for every route of the order function', () => {
    const routes = orderRoutes({orders: () => ({}) as never});
    expect(Object.keys(table)).to.have.members(
      routes.map(r => `${r.method} ${r.path}`),
    );
  });

  for (const [route, cases] of Object.entries(table))
    for (const c of cases)
      it(titleOf(route, c), async () => {
        const before = await stored();
        const res = await fn.send(c.who, c.req, c.body);
        expectAnswer(res, c);
        if (c.orders !== undefined)
          expect(idsAnswered(res.body, 'order', 'orders')).to.deep.equal(
            c.orders,
          );
        const now = await stored();
        if (c.createdFor !== undefined) {
          const {id, userId, status} = res.body.order;
          expect(res.headers.location).to.equal(`/orders/${id}`);
          expect([userId, status]).to.deep.equal([c.createdFor, 'pending']);
          expect(now[id]).to.include({userId: c.createdFor, status: 'pending'});
          delete now[id];
          expect(now).to.deep.equal(before);
        } else if (c.after !== undefined) {
          for (const [id, status] of Object.entries(c.after))
            expect(now[id]?.status, id).to.equal(status);
          const rest = (all: Record<string, unknown>) =>
            Object.fromEntries(
              Object.entries(all).filter(([id]) => !(id in c.after!)),
            );
          expect(rest(now)).to.deep.equal(rest(before));
        } else {
          expect(now).to.deep.equal(before);
        }
        expectDecision(fn.lines[0], c);
      });

  it('keeps one user’s Idempotency-Key apart from another’s: the same key, two orders', async () => {
    const create = (who: Who, userId: string) =>
      fn
        .send(who, 'POST /orders', {userId, items})
        .set('Idempotency-Key', 'same-key');
    const bobs = await create('bob', bob);
    const carols = await create('carol', carol);
    expect([bobs.status, carols.status]).to.deep.equal([201, 201]);
    expect(carols.body.order.id).not.to.equal(bobs.body.order.id);
    expect(carols.headers['idempotent-replayed']).to.equal(undefined);
    // Bob's own retry is his first answer again.
    const again = await create('bob', bob);
    expect(again.status).to.equal(201);
    expect(again.headers['idempotent-replayed']).to.equal('true');
    expect(again.body.order.id).to.equal(bobs.body.order.id);
    expect(Object.keys(await stored())).to.have.length(6);
  });

  it('lets an admin count every order, by status', async () => {
    const res = await fn.send('alice', 'GET /stats');
    expect(res.body).to.deep.include({service: 'order'});
    expect(res.body.stats).to.include({totalOrders: 4});
    expect(res.body.stats.ordersByStatus).to.deep.equal({
      pending: 1,
      processing: 1,
      shipped: 1,
      completed: 1,
      cancelled: 0,
    });
  });
});

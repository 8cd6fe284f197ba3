/**
 * What the order function's routes answer to input they cannot take, on
 * the seed orders in the emulator: a 400 invalid-request problem that
 * names the field at fault (the input itself where it is not an object)
 * and, in its detail, the part of the request it was in (path, query,
 * body, headers), for every input of every route; nothing is stored. And
 * the shape of the answers that name the service, and a refusal its
 * contract declares.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {orderCalls} from '../../../../functions/order/contract';
import {ORDERS} from '../../../../functions/order/store';
import {loadSeed} from '../../../../local/seed';
import {isolatedFirestore} from '../../../fixtures/emulator';
import {UID, type Who} from '../../../fixtures/signed-end-users';
import {orderFunctionOn} from '../../../fixtures/order-routes';

const {alice, bob} = UID;
const order = {
  userId: bob,
  items: [{product: 'Cable', quantity: 2, price: 2.5}],
};
/** An id the routes refuse: Firestore keeps ids of this form for itself. */
const BAD_ID = '__x__';

interface Case {
  who: Who;
  req: string;
  body?: object;
  headers?: Record<string, string>;
  /** The part of the request the refusal names. */
  where: 'path' | 'query' | 'body' | 'headers';
  /** The field the refusal names. */
  field: string;
}

const cases: Case[] = [
  {who: 'bob', req: 'GET /orders?limit=0', where: 'query', field: 'limit'},
  {
    who: 'bob',
    req: `GET /orders/user/${bob}?limit=0`,
    where: 'query',
    field: 'limit',
  },
  // Another user's orders are none, but the page asked for is still checked.
  {
    who: 'bob',
    req: `GET /orders/user/${alice}?limit=0`,
    where: 'query',
    field: 'limit',
  },
  {
    who: 'alice',
    req: `GET /orders/user/${BAD_ID}`,
    where: 'path',
    field: 'userId',
  },
  {who: 'alice', req: `GET /orders/${BAD_ID}`, where: 'path', field: 'id'},
  {who: 'bob', req: 'POST /orders', body: [], where: 'body', field: 'body'},
  {
    who: 'bob',
    req: 'POST /orders',
    body: order,
    headers: {'Idempotency-Key': 'k'.repeat(256)},
    where: 'headers',
    field: 'idempotency-key',
  },
  {
    who: 'alice',
    req: `PATCH /orders/${BAD_ID}/status`,
    body: {status: 'cancelled'},
    where: 'path',
    field: 'id',
  },
  {
    who: 'alice',
    req: 'PATCH /orders/order-003/status',
    body: [],
    where: 'body',
    field: 'body',
  },
  {who: 'alice', req: `DELETE /orders/${BAD_ID}`, where: 'path', field: 'id'},
];

describe('order function: input refused', () => {
  let db: Firestore;
  beforeEach(async () => {
    db = isolatedFirestore();
    await loadSeed({orders: db});
  });
  afterEach(() => db.terminate());

  const statuses = async () =>
    (await db.collection(ORDERS).get()).docs.map(d => [d.id, d.get('status')]);

  cases.forEach(c =>
    it(`${c.req} as ${c.who}: 400 naming ${c.field} in the ${c.where}`, async () => {
      const before = await statuses();
      const test = orderFunctionOn(db).send(c.who, c.req, c.body);
      const res = await test.set(c.headers ?? {});
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.code).to.equal('invalid-request');
      expect(res.body.detail).to.match(new RegExp(`\\b${c.where}\\b`));
      expect(res.body.errors.map((e: {field: string}) => e.field)).to.include(
        c.field,
      );
      expect(await statuses()).to.deep.equal(before);
    }),
  );
});

describe('order function: answers naming the service', () => {
  let db: Firestore;
  beforeEach(async () => {
    db = isolatedFirestore();
    await loadSeed({orders: db});
  });
  afterEach(() => db.terminate());

  it('answers a delete of an order that is not there with the problem its contract declares', async () => {
    const res = await orderFunctionOn(db).send('alice', 'DELETE /orders/nope');
    expect(res.status).to.equal(404);
    expect(
      (orderCalls.deleteOrder.problems as Record<string, number>)[
        res.body.code
      ],
    ).to.equal(404);
  });

  it('answers its health check with its name and ok', async () => {
    const res = await orderFunctionOn(db).send('nobody', 'GET /');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({service: 'order', status: 'ok'});
  });

  it('answers one order, a new order and the statistics under its name', async () => {
    const fn = orderFunctionOn(db);
    const one = await fn.send('bob', 'GET /orders/order-002');
    expect(one.status).to.equal(200);
    expect(one.body.service).to.equal('order');
    expect(one.body.order).to.include({id: 'order-002', userId: bob});
    const created = await fn.send('bob', 'POST /orders', order);
    expect(created.status).to.equal(201);
    expect(created.body.service).to.equal('order');
    expect(created.body.order).to.include({userId: bob, total: 5});
    const stats = await fn.send('alice', 'GET /stats');
    expect(stats.status).to.equal(200);
    expect(stats.body.service).to.equal('order');
    expect(stats.body.stats.totalOrders).to.equal(5);
  });
});

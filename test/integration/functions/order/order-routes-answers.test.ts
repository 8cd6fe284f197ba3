/**
 * What the order function's routes answer beyond who may call them, on the
 * seed orders in the emulator: the domain's refusals as problems (a key
 * reused for another order, a user at their open-order limit), creates
 * without a key never taken for replays, pages of a listing, and a status
 * change's answer and what it stored; a burst too busy to take another
 * create as 429 with Retry-After.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {ORDERS} from '../../../../functions/order/store';
import {BusyError} from '../../../../functions/order/errors';
import {
  BUSY_RETRY_AFTER_S,
  httpErrorOf,
} from '../../../../functions/order/routes';
import {HttpError} from '../../../../functions/common/protocol/problem';
import {loadSeed} from '../../../../local/seed';
import {isolatedFirestore} from '../../../fixtures/emulator';
import {UID} from '../../../fixtures/signed-end-users';
import {orderFunctionOn} from '../../../fixtures/order-routes';

const {bob} = UID;
const items = [{product: 'Cable', quantity: 2, price: 2.5}];

describe('order function: answers', () => {
  let db: Firestore;
  beforeEach(async () => {
    db = isolatedFirestore();
    await loadSeed({orders: db});
  });
  afterEach(() => db.terminate());

  const count = async () => (await db.collection(ORDERS).get()).size;

  it('refuses an Idempotency-Key sent again with another order: 422, nothing stored', async () => {
    const fn = orderFunctionOn(db);
    const send = (quantity: number) =>
      fn
        .send('bob', 'POST /orders', {
          userId: bob,
          items: [{...items[0], quantity}],
        })
        .set('Idempotency-Key', 'k-1');
    expect((await send(2)).status).to.equal(201);
    const reused = await send(3);
    expect(reused.status).to.equal(422);
    expect(reused.body.code).to.equal('idempotency-key-reused');
    expect(reused.body.detail).to.be.a('string').with.length.above(0);
    expect(await count()).to.equal(5);
  });

  it("refuses an order past the user's open-order limit: 409 naming the user, nothing stored", async () => {
    // Bob's order-002 is processing: open.
    const fn = orderFunctionOn(db, 1);
    const res = await fn.send('bob', 'POST /orders', {userId: bob, items});
    expect(res.status).to.equal(409);
    expect(res.body.code).to.equal('open-orders-limit');
    expect(res.body.detail).to.contain(bob);
    expect(await count()).to.equal(4);
  });

  it('creates a new order for each create without a key, none a replay', async () => {
    const fn = orderFunctionOn(db);
    const create = () => fn.send('bob', 'POST /orders', {userId: bob, items});
    const first = await create();
    const second = await create();
    expect([first.status, second.status]).to.deep.equal([201, 201]);
    expect(second.body.order.id).not.to.equal(first.body.order.id);
    expect(second.headers).not.to.have.property('idempotent-replayed');
    expect(await count()).to.equal(6);
  });

  it('answers a listing a page at a time, with the cursor of the next', async () => {
    const fn = orderFunctionOn(db);
    const first = await fn.send('alice', 'GET /orders?limit=3');
    expect(first.body).to.deep.include({service: 'order'});
    expect(first.body.orders.map((o: {id: string}) => o.id)).to.deep.equal([
      'order-001',
      'order-002',
      'order-003',
    ]);
    expect(first.body.nextCursor).to.equal('order-003');
    const rest = await fn.send(
      'alice',
      `GET /orders/user/${UID.carol}?limit=1&cursor=order-003`,
    );
    expect(rest.body.orders.map((o: {id: string}) => o.id)).to.deep.equal([
      'order-004',
    ]);
  });

  it('answers a status change with the order as changed, and stores it so', async () => {
    const fn = orderFunctionOn(db);
    const res = await fn.send('alice', 'PATCH /orders/order-003/status', {
      status: 'processing',
    });
    expect(res.status).to.equal(200);
    expect(res.body.service).to.equal('order');
    expect(res.body.order).to.include({
      id: 'order-003',
      userId: UID.alice,
      status: 'processing',
    });
    const stored = (await db.collection(ORDERS).doc('order-003').get()).data();
    expect(stored).to.include({status: 'processing'});
    expect(stored!.updatedAt).to.equal(res.body.order.updatedAt);
  });

  it('answers orders too busy to take another as 429 with Retry-After, a refusal to try again', () => {
    const e = httpErrorOf(new BusyError());
    expect(e).to.be.instanceOf(HttpError);
    expect(e).to.include({status: 429, code: 'orders-busy'});
    expect((e as HttpError).detail)
      .to.be.a('string')
      .with.length.above(0);
    expect((e as HttpError).headers).to.deep.equal({
      'Retry-After': String(BUSY_RETRY_AFTER_S),
    });
  });
});

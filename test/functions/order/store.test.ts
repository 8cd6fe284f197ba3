/** The Firestore order store against the real emulator, one fresh project per test. */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {
  FirestoreOrderStore,
  IDEMPOTENCY_KEYS,
  IdempotencyMismatchError,
  ORDERS,
  OrderNotFoundError,
  TransitionError,
} from '../../../functions/order/store';
import {loadSeed} from '../../../local/seed';
import {isolatedFirestore} from '../../fixtures/emulator';
import {rejectionOf} from '../../fixtures/rejection';

const order = {
  userId: 'user-001',
  items: [
    {product: 'Widget C', quantity: 3, price: 15.99},
    {product: 'Accessory D', quantity: 2, price: 9.99},
  ],
};

describe('FirestoreOrderStore', () => {
  let db: Firestore;
  let store: FirestoreOrderStore;
  beforeEach(() => {
    db = isolatedFirestore();
    store = new FirestoreOrderStore(db);
  });
  afterEach(() => db.terminate());

  it('creates a pending order with a random id and a server-computed total', async () => {
    const {order: created, created: isNew} = await store.create(order);
    expect(isNew).to.equal(true);
    expect(created.id).to.match(/^[A-Za-z0-9]{20}$/);
    expect(created).to.include({
      status: 'pending',
      total: 67.95,
      userId: 'user-001',
    });
    const stored = (await db.collection(ORDERS).doc(created.id).get()).data()!;
    expect(stored.totalCents).to.equal(6795);
    expect(await store.get(created.id)).to.deep.equal(created);
  });

  it('returns the first order for a repeated Idempotency-Key', async () => {
    const key = {key: 'k-1', fingerprint: 'f1'};
    const first = await store.create(order, key);
    const again = await store.create(order, key);
    expect(again).to.deep.equal({order: first.order, created: false});
    expect((await db.collection(ORDERS).get()).size).to.equal(1);
  });

  it('creates exactly one order for concurrent requests with the same key', async () => {
    const key = {key: 'k-race', fingerprint: 'f1'};
    const results = await Promise.all(
      Array.from({length: 5}, () => store.create(order, key)),
    );
    expect(results.filter(r => r.created)).to.have.length(1);
    expect(new Set(results.map(r => r.order.id)).size).to.equal(1);
    expect((await db.collection(ORDERS).get()).size).to.equal(1);
    expect((await db.collection(IDEMPOTENCY_KEYS).get()).size).to.equal(1);
  });

  it('refuses a key reused for a different order, writing nothing', async () => {
    await store.create(order, {key: 'k-2', fingerprint: 'f1'});
    await rejectionOf(
      store.create(order, {key: 'k-2', fingerprint: 'f2'}),
      IdempotencyMismatchError,
    );
    expect((await db.collection(ORDERS).get()).size).to.equal(1);
  });

  it('moves an order through its lifecycle and refuses impossible steps', async () => {
    const {order: o} = await store.create(order);
    expect((await store.updateStatus(o.id, 'processing')).status).to.equal(
      'processing',
    );
    await rejectionOf(store.updateStatus(o.id, 'completed'), TransitionError);
    expect((await store.get(o.id))!.status).to.equal('processing');
    await store.updateStatus(o.id, 'shipped');
    expect((await store.updateStatus(o.id, 'completed')).status).to.equal(
      'completed',
    );
  });

  it('lets only one of two concurrent changes from the same status win', async () => {
    const {order: o} = await store.create(order);
    const results = await Promise.allSettled([
      store.updateStatus(o.id, 'processing'),
      store.updateStatus(o.id, 'cancelled'),
    ]);
    expect(
      results.filter(r => r.status === 'fulfilled'),
    ).to.have.length.at.least(1);
    const final = (await store.get(o.id))!.status;
    // Either order of the two is fine; what may not happen is both applied to 'pending'.
    if (results.every(r => r.status === 'fulfilled'))
      expect(final).to.equal('cancelled');
    else expect(['processing', 'cancelled']).to.include(final);
  });

  it('reports a missing order', async () => {
    await rejectionOf(
      store.updateStatus('nope', 'processing'),
      OrderNotFoundError,
    );
    expect(await store.delete('nope')).to.equal(false);
    expect(await store.get('nope')).to.equal(undefined);
  });

  it('filters by user and status and pages with a cursor', async () => {
    await loadSeed(db);
    const alice = await store.list({userId: 'user-001'}, {limit: 10});
    expect(alice.items.map(o => o.id)).to.deep.equal([
      'order-001',
      'order-003',
    ]);
    const open = await store.list(
      {statuses: ['pending', 'processing', 'shipped']},
      {limit: 10},
    );
    expect(open.items.map(o => o.id)).to.deep.equal([
      'order-002',
      'order-003',
      'order-004',
    ]);
    const first = await store.list({}, {limit: 3});
    expect(first.items).to.have.length(3);
    expect(first.nextCursor).to.equal('order-003');
    const second = await store.list({}, {limit: 3, cursor: first.nextCursor});
    expect(second.items.map(o => o.id)).to.deep.equal(['order-004']);
    expect(second.nextCursor).to.equal(undefined);
  });

  it('computes stats with aggregation queries', async () => {
    await loadSeed(db);
    await store
      .create({
        userId: 'user-002',
        items: [{product: 'Gone', quantity: 1, price: 10}],
      })
      .then(r => store.updateStatus(r.order.id, 'cancelled'));
    expect(await store.stats()).to.deep.equal({
      totalOrders: 5,
      totalRevenue: 877.9, // 109.97 + 199.99 + 67.95 + 499.99; the cancelled order earns nothing
      ordersByStatus: {
        pending: 1,
        processing: 1,
        shipped: 1,
        completed: 1,
        cancelled: 1,
      },
      averageOrderValue: 219.48,
    });
  });

  it('deletes an order', async () => {
    const {order: o} = await store.create(order);
    expect(await store.delete(o.id)).to.equal(true);
    expect(await store.get(o.id)).to.equal(undefined);
  });
});

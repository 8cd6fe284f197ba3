/**
 * The Firestore order store against the real emulator, one fresh project
 * per test: transactional updates, deletes, filtered pages, aggregations,
 * the seed, and the order use cases running on it.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {Orders} from '../../../../functions/order/domain';
import {TransitionError} from '../../../../functions/order/errors';
import type {FirestoreOrderStore} from '../../../../functions/order/store';
import {loadSeed} from '../../../../local/seed';
import {
  AT,
  freshOrderStore,
  MAX_OPEN,
  record,
} from '../../../fixtures/order-store';

describe('FirestoreOrderStore', () => {
  let db: Firestore;
  let store: FirestoreOrderStore;
  beforeEach(() => {
    ({db, store} = freshOrderStore());
  });
  afterEach(() => db.terminate());

  it('updates a record in a transaction, and writes nothing when the change throws', async () => {
    const {id} = (await store.insert(record, MAX_OPEN)) as {id: string};
    const updated = await store.update(id, current => ({
      status: 'processing',
      updatedAt: `${current.createdAt}!`,
    }));
    expect(updated).to.deep.equal({
      ...record,
      status: 'processing',
      updatedAt: `${AT}!`,
    });
    expect(await store.get(id)).to.deep.equal(updated);
    const refused = new Error('refused');
    expect(
      await store
        .update(id, () => {
          throw refused;
        })
        .catch(e => e),
    ).to.equal(refused);
    expect(await store.get(id)).to.deep.equal(updated);
    expect(await store.update('nope', () => ({status: 'shipped'}))).to.equal(
      undefined,
    );
  });

  it('lets exactly one of two conflicting concurrent changes win', async function () {
    // Over REST the emulator makes the loser wait for its lock timeout
    // (about 30 s) before it aborts, and the client's retry may wait again:
    // 60-90 s here. Firestore itself does not.
    this.timeout(180_000);
    // From processing, shipped and cancelled exclude each other: neither can
    // follow the other. Both succeeding would mean both read "processing",
    // an update lost.
    const orders = new Orders(store, {maxOpenOrders: MAX_OPEN});
    const {id} = (await store.insert(
      {...record, status: 'processing'},
      MAX_OPEN,
    )) as {
      id: string;
    };
    const results = await Promise.allSettled([
      orders.changeStatus(id, 'shipped'),
      orders.changeStatus(id, 'cancelled'),
    ]);
    const won = results.filter(r => r.status === 'fulfilled');
    const lost = results.filter(r => r.status === 'rejected');
    expect(won).to.have.length(1);
    expect(lost).to.have.length(1);
    expect(lost[0].reason).to.be.instanceOf(TransitionError);
    expect((await store.get(id))!.status).to.equal(won[0].value.status);
  });

  it('deletes a record once', async () => {
    const {id} = (await store.insert(record, MAX_OPEN)) as {id: string};
    expect(await store.delete(id)).to.equal(true);
    expect(await store.delete(id)).to.equal(false);
    expect(await store.get(id)).to.equal(undefined);
  });

  it('filters by user and status and pages with a cursor', async () => {
    await loadSeed({orders: db});
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
    const shipped = await store.list({statuses: ['shipped']}, {limit: 10});
    expect(shipped.items.map(o => o.id)).to.deep.equal(['order-004']);
    const first = await store.list({}, {limit: 3});
    expect(first.items).to.have.length(3);
    expect(first.nextCursor).to.equal('order-003');
    const second = await store.list({}, {limit: 3, cursor: first.nextCursor});
    expect(second.items.map(o => o.id)).to.deep.equal(['order-004']);
    expect(second.nextCursor).to.equal(undefined);
  });

  it('totals every status with aggregation queries, statuses without orders included', async () => {
    await loadSeed({orders: db});
    expect(await store.totalsByStatus()).to.deep.equal([
      {status: 'pending', count: 1, cents: 6795n},
      {status: 'processing', count: 1, cents: 19999n},
      {status: 'shipped', count: 1, cents: 49999n},
      {status: 'completed', count: 1, cents: 10997n},
      {status: 'cancelled', count: 0, cents: 0n},
    ]);
  });

  it('computes stats on the real store: a cancelled order counts but earns nothing', async () => {
    await loadSeed({orders: db});
    const orders = new Orders(store, {maxOpenOrders: MAX_OPEN});
    const {order} = await orders.create({
      userId: 'user-002',
      items: [{product: 'Gone', quantity: 1, price: 10}],
    });
    await orders.changeStatus(order.id, 'cancelled');
    expect(await orders.stats()).to.deep.equal({
      totalOrders: 5,
      totalRevenue: 877.9, // 109.97 + 199.99 + 67.95 + 499.99
      totalRevenueCents: '87790',
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

  it('seeds records under their ids, leaving existing ones as they are', async () => {
    await store.seed({'order-x': record});
    await store.update('order-x', () => ({status: 'processing'}));
    await store.seed({'order-x': record});
    expect((await store.get('order-x'))!.status).to.equal('processing');
  });
});

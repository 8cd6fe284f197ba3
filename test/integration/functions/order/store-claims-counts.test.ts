/**
 * The Firestore order store at the edges of its claims and counts, on the
 * emulator: a key's claim at exactly its expireAt, a claim kept from before
 * first answers were, the user's count document as what the open-order
 * limit reads, a status change that keeps an order open writing no count,
 * nor a create refused or of nothing, a batch of two users' orders refused
 * whole, and an empty status filter.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {Timestamp} from '@google-cloud/firestore';
import type {IdempotencyClaim} from '../../../../functions/order/domain';
import {
  FirestoreOrderStore,
  IDEMPOTENCY_KEYS,
  OPEN_ORDER_COUNTS,
  ORDERS,
} from '../../../../functions/order/store';
import {rejectionOf} from '../../../fixtures/rejection';
import {loadSeed} from '../../../../local/seed';
import {
  AT,
  freshOrderStore,
  MAX_OPEN,
  record,
} from '../../../fixtures/order-store';

const claim = (fingerprint: string, expireAt = AT): IdempotencyClaim => ({
  keyHash: 'k'.repeat(64),
  fingerprint,
  expireAt: new Date(expireAt),
});

describe('FirestoreOrderStore: claims and counts at their edges', () => {
  let db: Firestore;
  let store: FirestoreOrderStore;
  beforeEach(() => {
    ({db, store} = freshOrderStore());
  });
  afterEach(() => db.terminate());

  const openCount = async (userId: string) =>
    (await db.collection(OPEN_ORDER_COUNTS).doc(userId).get()).get('open');

  it('takes over a claim at exactly its expireAt', async () => {
    // The store's clock is at AT: a claim expiring then is expired.
    const first = (await store.insert(record, MAX_OPEN, claim('f1'))) as {
      id: string;
    };
    const second = await store.insert(record, MAX_OPEN, claim('f2'));
    expect(second).to.have.property('id').that.not.equals(first.id);
  });

  it('replays a claim kept before first answers were, as it is: no first answer', async () => {
    await db
      .collection(IDEMPOTENCY_KEYS)
      .doc('k'.repeat(64))
      .set({
        orderId: 'order-old',
        fingerprint: 'f-old',
        expireAt: Timestamp.fromDate(new Date('2026-02-04T00:00:00.000Z')),
      });
    expect(await store.insert(record, MAX_OPEN, claim('f1'))).to.deep.equal({
      claimedBy: {orderId: 'order-old', fingerprint: 'f-old'},
    });
  });

  it('limits a user by their count document, once there is one: what the transaction reads and writes', async () => {
    await db.collection(OPEN_ORDER_COUNTS).doc('user-001').set({open: 2});
    expect(await store.insert(record, 2)).to.deep.equal({full: true});
    expect(await store.insert(record, 3)).to.have.property('id');
    expect(await openCount('user-001')).to.equal(3n);
  });

  it('writes no count for a change that keeps an order open, nor for one that keeps it closed', async () => {
    // The seed's orders predate the counts: user-001 has order-003
    // pending and order-001 completed, and no count document.
    await loadSeed({orders: db});
    await store.update('order-003', () => ({status: 'processing'}));
    await store.update('order-001', () => ({updatedAt: AT}));
    expect(await openCount('user-001')).to.equal(undefined);
    // A change that closes it counts what is open, the seed's included.
    await store.update('order-003', () => ({status: 'shipped'}));
    expect(await openCount('user-001')).to.equal(0n);
  });

  it('writes no count for a create it refuses, nor for a create of no orders', async () => {
    expect(await store.insert(record, 0)).to.deep.equal({full: true});
    expect(await store.insertAll([], MAX_OPEN)).to.deep.equal([]);
    for (const c of [ORDERS, OPEN_ORDER_COUNTS])
      expect((await db.collection(c).get()).size, c).to.equal(0);
  });

  it("refuses a batch of more than one user's orders, writing none of it", async () => {
    const other = {...record, userId: 'user-002'};
    for (const batch of [
      [record, other],
      [other, record],
    ]) {
      const e = await rejectionOf(
        store.insertAll(
          batch.map(r => ({record: r})),
          MAX_OPEN,
        ),
        Error,
      );
      expect(e.message).to.be.a('string').and.not.equal('');
    }
    for (const c of [ORDERS, OPEN_ORDER_COUNTS])
      expect((await db.collection(c).get()).size, c).to.equal(0);
  });

  it('lists every order for an empty status filter', async () => {
    await loadSeed({orders: db});
    const all = await store.list({statuses: []}, {limit: 10});
    expect(all.items.map(o => o.id)).to.deep.equal([
      'order-001',
      'order-002',
      'order-003',
      'order-004',
    ]);
  });
});

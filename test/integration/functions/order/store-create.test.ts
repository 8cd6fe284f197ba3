/**
 * The Firestore order store against the real emulator, one fresh project
 * per test, creating orders: records as stored, atomic idempotency-key
 * claims, and each user's open-order limit under concurrent creates.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {
  Orders,
  type IdempotencyClaim,
  type OrderRecord,
} from '../../../../functions/order/domain';
import {
  FirestoreOrderStore,
  IDEMPOTENCY_KEYS,
  OPEN_ORDER_COUNTS,
  ORDERS,
} from '../../../../functions/order/store';
import {StoredDataError} from '../../../../functions/common/storage/firestore';
import {BusyError} from '../../../../functions/order/errors';
import {loadSeed} from '../../../../local/seed';
import {rejectionOf} from '../../../fixtures/rejection';
import {freshOrderStore, MAX_OPEN, record} from '../../../fixtures/order-store';

const claim = (fingerprint: string): IdempotencyClaim => ({
  keyHash: 'k'.repeat(64),
  fingerprint,
  expireAt: new Date('2026-02-04T04:05:06.000Z'),
});

/** A record as createFirestore's client reads it back: integers as bigints. */
const asStored = (r: OrderRecord) => ({
  ...r,
  totalCents: BigInt(r.totalCents),
  items: r.items.map(i => ({
    ...i,
    quantity: BigInt(i.quantity),
    priceCents: BigInt(i.priceCents),
  })),
});

describe('FirestoreOrderStore', () => {
  let db: Firestore;
  let store: FirestoreOrderStore;
  beforeEach(() => {
    ({db, store} = freshOrderStore());
  });
  afterEach(() => db.terminate());

  const count = async (collection: string) =>
    (await db.collection(collection).get()).size;

  it('refuses to read a stored order or claim of another shape, naming the document', async () => {
    await db
      .collection(ORDERS)
      .doc('o-bad')
      .set({...record, status: 'lost', totalCents: '5'});
    const e = await rejectionOf(store.get('o-bad'), StoredDataError);
    expect(e.path).to.equal(`${ORDERS}/o-bad`);
    // A claim whose expiry is not a time: the create that reads it fails
    // whole, and writes nothing.
    await db
      .collection(IDEMPOTENCY_KEYS)
      .doc(claim('f').keyHash)
      .set({orderId: 'o1', fingerprint: 'f', expireAt: 'tomorrow'});
    await rejectionOf(
      store.insert(record, MAX_OPEN, claim('f')),
      StoredDataError,
    );
    expect(await count(ORDERS)).to.equal(1);
  });

  it('inserts a record under a random id and reads it back as written', async () => {
    const result = await store.insert(record, MAX_OPEN);
    const id = (result as {id: string}).id;
    expect(id).to.match(/^[A-Za-z0-9]{20}$/);
    expect(await store.get(id)).to.deep.equal(record);
    // As stored: integers, which this client reads as bigints.
    expect((await db.collection(ORDERS).doc(id).get()).data()).to.deep.equal(
      asStored(record),
    );
  });

  it('writes an order and its key claim together, and a second claim of the key writes nothing', async () => {
    const first = (await store.insert(record, MAX_OPEN, claim('f1'))) as {
      id: string;
    };
    const keyDoc = await db
      .collection(IDEMPOTENCY_KEYS)
      .doc('k'.repeat(64))
      .get();
    expect(keyDoc.get('orderId')).to.equal(first.id);
    expect(keyDoc.get('fingerprint')).to.equal('f1');
    expect(keyDoc.get('expireAt').toDate()).to.deep.equal(claim('f1').expireAt);
    expect(keyDoc.get('first')).to.deep.equal(asStored(record));

    expect(await store.insert(record, MAX_OPEN, claim('f2'))).to.deep.equal({
      claimedBy: {orderId: first.id, fingerprint: 'f1', first: record},
    });
    expect(await count(ORDERS)).to.equal(1);
    expect(await count(IDEMPOTENCY_KEYS)).to.equal(1);
  });

  it("takes over a claim past its expireAt, which Firestore's TTL may not have deleted yet", async () => {
    const first = (await store.insert(record, MAX_OPEN, claim('f1'))) as {
      id: string;
    };
    const later = new FirestoreOrderStore(
      db,
      () => new Date('2026-02-04T04:05:06.001Z'),
    );
    const renewed = {
      ...claim('f2'),
      expireAt: new Date('2026-02-05T04:05:07.000Z'),
    };
    const second = (await later.insert(record, MAX_OPEN, renewed)) as {
      id: string;
    };
    expect(second.id).to.be.a('string').and.not.equal(first.id);
    const keyDoc = await db
      .collection(IDEMPOTENCY_KEYS)
      .doc('k'.repeat(64))
      .get();
    expect(keyDoc.get('orderId')).to.equal(second.id);
    expect(keyDoc.get('fingerprint')).to.equal('f2');
    expect(keyDoc.get('expireAt').toDate()).to.deep.equal(renewed.expireAt);
    expect(await count(ORDERS)).to.equal(2);
    // The renewed claim holds again, for a retry within its day.
    expect(await later.insert(record, MAX_OPEN, claim('f3'))).to.deep.equal({
      claimedBy: {orderId: second.id, fingerprint: 'f2', first: record},
    });
  });

  it('creates exactly one order for concurrent requests with the same key', async () => {
    const orders = new Orders(store, {maxOpenOrders: MAX_OPEN});
    const input = {
      userId: 'user-001',
      items: [{product: 'P', quantity: 1, price: 1}],
    };
    const results = await Promise.all(
      Array.from({length: 5}, () => orders.create(input, 'k-race')),
    );
    expect(results.filter(r => r.created)).to.have.length(1);
    expect(new Set(results.map(r => r.order.id)).size).to.equal(1);
    expect(await count(ORDERS)).to.equal(1);
    expect(await count(IDEMPOTENCY_KEYS)).to.equal(1);
  });

  it("refuses an order past the user's open-order limit: pending and processing count, shipped, completed and cancelled do not, other users' neither", async () => {
    const open = (status: OrderRecord['status'], userId = 'user-001') =>
      store.insert({...record, userId, status}, 2);
    for (const status of ['shipped', 'completed', 'cancelled'] as const)
      expect(await open(status)).to.have.property('id');
    expect(await open('pending', 'user-002')).to.have.property('id');
    expect(await open('pending')).to.have.property('id');
    const second = (await open('processing')) as {id: string};
    expect(second).to.have.property('id');
    expect(await open('pending')).to.deep.equal({full: true});
    expect(await count(ORDERS)).to.equal(6);
    // A key's replay is answered at the limit too; a new key is refused.
    await store.update(second.id, () => ({status: 'shipped'}));
    const keyed = (await store.insert(record, 2, claim('f1'))) as {id: string};
    expect(await store.insert(record, 2, claim('f1'))).to.deep.equal({
      claimedBy: {orderId: keyed.id, fingerprint: 'f1', first: record},
    });
    expect(
      await store.insert(record, 2, {...claim('f2'), keyHash: 'j'.repeat(64)}),
    ).to.deep.equal({full: true});
    expect(await count(IDEMPOTENCY_KEYS)).to.equal(1);
  });

  it("keeps each user's count of open orders with every change, and counts orders written before it on first use", async () => {
    const openCount = async (userId: string) =>
      (await db.collection(OPEN_ORDER_COUNTS).doc(userId).get()).get('open');
    // Orders that predate the counts (the seed: user-001 has one pending).
    await loadSeed({orders: db});
    expect(await openCount('user-001')).to.equal(undefined);
    const a = (await store.insert(record, 3)) as {id: string};
    expect(await openCount('user-001')).to.equal(2n);
    const b = (await store.insert(record, 3)) as {id: string};
    expect(await store.insert(record, 3)).to.deep.equal({full: true});
    // Shipped: no longer open. Processing: still open.
    await store.update(a.id, () => ({status: 'processing'}));
    expect(await openCount('user-001')).to.equal(3n);
    await store.update(a.id, () => ({status: 'shipped'}));
    expect(await openCount('user-001')).to.equal(2n);
    // Deleting an open order frees its slot; a shipped one held none.
    expect(await store.delete(b.id)).to.equal(true);
    expect(await openCount('user-001')).to.equal(1n);
    expect(await store.delete(a.id)).to.equal(true);
    expect(await openCount('user-001')).to.equal(1n);
    expect(await store.delete(a.id)).to.equal(false);
    expect(await store.insert(record, 3)).to.have.property('id');
    expect(await store.insert(record, 3)).to.have.property('id');
    expect(await store.insert(record, 3)).to.deep.equal({full: true});
  });

  it("writes a batch of one user's orders in one transaction, each as if after the ones before it", async () => {
    await store.insert(record, 4, claim('f0'));
    const other = (f: string, hash: string) => ({
      ...claim(f),
      keyHash: hash.repeat(64),
    });
    const results = await store.insertAll(
      [
        // A key claimed before the batch, and one claimed in it, twice.
        {record, claim: claim('f0')},
        {record, claim: other('f1', 'a')},
        {record, claim: other('f1', 'a')},
        {record: {...record, status: 'shipped'}},
        {record},
        {record},
        {record, claim: other('f2', 'b')},
      ],
      4,
    );
    const first = (results[1] as {id: string}).id;
    expect(results[0]).to.have.nested.property('claimedBy.fingerprint', 'f0');
    expect(results[2]).to.deep.equal({
      claimedBy: {orderId: first, fingerprint: 'f1', first: record},
    });
    // Not open, it takes no slot; the limit comes with the fourth open one.
    expect(results[3]).to.have.property('id');
    expect(results[4]).to.have.property('id');
    expect(results[5]).to.have.property('id');
    expect(results[6]).to.deep.equal({full: true});
    expect(await count(ORDERS)).to.equal(5);
    expect(await count(IDEMPOTENCY_KEYS)).to.equal(2);
    expect(
      (await db.collection(OPEN_ORDER_COUNTS).doc('user-001').get()).get(
        'open',
      ),
    ).to.equal(4n);
    expect(await store.insert(record, 4, other('f2', 'b'))).to.deep.equal({
      full: true,
    });
  });

  it("lets concurrent creates take a user's last open slots once each", async function () {
    // Same-user creates contend on the user's count: the emulator makes
    // them wait and aborts all but one, and they are tried again, here for
    // as long as that takes (the order function's own store gives up
    // sooner: below).
    this.timeout(120_000);
    const patient = new FirestoreOrderStore(db, undefined, 60_000);
    const results = await Promise.all(
      Array.from({length: 4}, () => patient.insert(record, 2)),
    );
    expect(results.filter(r => 'id' in r)).to.have.length(2);
    expect(results.filter(r => 'full' in r)).to.have.length(2);
    expect(await count(ORDERS)).to.equal(2);
  });

  it('gives up on a create that loses to concurrent ones once its time to retry is spent: a BusyError, nothing of it written', async function () {
    this.timeout(60_000);
    // No time to retry at all: the creates that lose their first attempt give up.
    const hasty = new FirestoreOrderStore(db, undefined, 0);
    const settled = await Promise.allSettled(
      Array.from({length: 4}, () => hasty.insert(record, MAX_OPEN)),
    );
    const created = settled.filter(r => r.status === 'fulfilled');
    const busy = settled.flatMap(r =>
      r.status === 'rejected' ? [r.reason] : [],
    );
    expect(busy.length).to.be.above(0);
    for (const e of busy) expect(e).to.be.instanceOf(BusyError);
    expect(created.length + busy.length).to.equal(4);
    expect(await count(ORDERS)).to.equal(created.length);
    // No count either, when none was created.
    expect(
      (await db.collection(OPEN_ORDER_COUNTS).doc('user-001').get()).get(
        'open',
      ) ?? 0n,
    ).to.equal(BigInt(created.length));
  });

  it('tries a write Firestore refuses for good once, and fails at once', async () => {
    // The emulator refuses a string that is not UTF-8 (over gRPC) as
    // UNKNOWN, which the client's own runTransaction tries five times,
    // seconds apart. (Validation keeps such strings out: this is the store
    // on its own.)
    let attempts = 0;
    const counting = new Proxy(db, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property !== 'runTransaction') return value;
        return (
          update: (tx: FirebaseFirestore.Transaction) => Promise<unknown>,
          options?: FirebaseFirestore.ReadWriteTransactionOptions,
        ) =>
          target.runTransaction(tx => {
            attempts++;
            return update(tx);
          }, options);
      },
    });
    const refusing = new FirestoreOrderStore(counting);
    const bad = {...record, items: [{...record.items[0], product: '\ud800'}]};
    const e = await rejectionOf(refusing.insert(bad, MAX_OPEN), Error);
    expect(e).not.to.be.instanceOf(BusyError);
    expect(attempts).to.equal(1);
    expect(await count(ORDERS)).to.equal(0);
  });
});

/** The order use cases over an in-memory store: the rules, without Firestore. */
import {expect} from 'chai';
import {sha256Hex} from '../../../../functions/common/platform/hash';
import {
  BusyError,
  IdempotencyMismatchError,
  OpenOrdersLimitError,
  OrderNotFoundError,
  TransitionError,
} from '../../../../functions/order/errors';
import {
  createBatches,
  IDEMPOTENCY_TTL_MS,
  newOrderRecord,
  Orders,
  toOrderView,
  type OrderRecord,
} from '../../../../functions/order/domain';
import {MemoryOrderStore} from '../../../fixtures/memory-order-store';
import {rejectionOf} from '../../../fixtures/rejection';
import {ORDER_STATUSES} from '../../../../functions/order/contract';

const NOW = new Date('2026-03-04T05:06:07.000Z');
const LATER = new Date('2026-03-04T06:00:00.000Z');
const INPUT = {
  userId: 'user-001',
  items: [
    {product: 'Widget C', quantity: 3, price: 15.99},
    {product: 'Accessory D', quantity: 2, price: 9.99},
  ],
};

describe('Orders (the order domain)', () => {
  let store: MemoryOrderStore;
  let now: Date;
  let orders: Orders;
  beforeEach(() => {
    store = new MemoryOrderStore();
    now = NOW;
    orders = new Orders(store, {maxOpenOrders: 3}, () => now);
  });

  it('keeps money in cents and shows it in decimals, the total computed here', () => {
    const record = newOrderRecord(INPUT, 'pending', 'then');
    expect(record).to.deep.equal({
      userId: 'user-001',
      items: [
        {product: 'Widget C', quantity: 3, priceCents: 1599},
        {product: 'Accessory D', quantity: 2, priceCents: 999},
      ],
      totalCents: 6795,
      status: 'pending',
      createdAt: 'then',
      updatedAt: 'then',
    });
    expect(toOrderView('o9', record)).to.deep.equal({
      id: 'o9',
      userId: 'user-001',
      items: [
        {product: 'Widget C', quantity: 3, price: 15.99, subtotal: 47.97},
        {product: 'Accessory D', quantity: 2, price: 9.99, subtotal: 19.98},
      ],
      total: 67.95,
      status: 'pending',
      createdAt: 'then',
      updatedAt: 'then',
    });
  });

  it('creates a pending order, stamped now', async () => {
    const {order, created} = await orders.create(INPUT);
    expect(created).to.equal(true);
    expect(order).to.include({
      id: 'o1',
      status: 'pending',
      total: 67.95,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    });
    expect(store.claims.size).to.equal(0);
  });

  it('claims an Idempotency-Key by its hash, with the request’s fingerprint, for a day', async () => {
    await orders.create(INPUT, 'key-1');
    expect([...store.claims.values()]).to.deep.equal([
      {
        keyHash: sha256Hex('key-1'),
        fingerprint: sha256Hex(JSON.stringify(INPUT)),
        expireAt: new Date(NOW.getTime() + IDEMPOTENCY_TTL_MS),
        orderId: 'o1',
        first: store.records.get('o1'),
      },
    ]);
    expect(IDEMPOTENCY_TTL_MS).to.equal(86_400_000);
  });

  it('answers a repeated key with the order as first created, though it changed since, creating nothing', async () => {
    const first = await orders.create(INPUT, 'key-1');
    now = LATER;
    await orders.changeStatus(first.order.id, 'processing');
    const again = await orders.create(INPUT, 'key-1');
    expect(again.created).to.equal(false);
    expect(again.order).to.deep.equal(first.order);
    expect(store.records.size).to.equal(1);
  });

  it('refuses a key reused with another request', async () => {
    await orders.create(INPUT, 'key-1');
    const other = {...INPUT, userId: 'user-002'};
    await rejectionOf(orders.create(other, 'key-1'), IdempotencyMismatchError);
    expect(store.records.size).to.equal(1);
  });

  it("refuses an order past the user's open-order limit, saying so, and passes the limit to the store", async () => {
    for (let i = 0; i < 3; i++) await orders.create(INPUT);
    const refused = await rejectionOf(
      orders.create(INPUT),
      OpenOrdersLimitError,
    );
    expect(refused.message).to.include('user-001').and.include('3 open orders');
    expect(store.records.size).to.equal(3);
    expect(
      (await orders.create({...INPUT, userId: 'user-002'})).created,
    ).to.equal(true);
  });

  /** A store whose writes take a moment, recording each batch and how many of one user's overlap. */
  class SlowStore extends MemoryOrderStore {
    running = new Map<string, number>();
    mostAtOnce = new Map<string, number>();
    batches: string[][] = [];
    override async insertAll(
      ...args: Parameters<MemoryOrderStore['insertAll']>
    ) {
      const user = args[0][0].record.userId;
      const now = (this.running.get(user) ?? 0) + 1;
      this.running.set(user, now);
      this.mostAtOnce.set(user, Math.max(now, this.mostAtOnce.get(user) ?? 0));
      this.batches.push(args[0].map(o => o.record.userId));
      await new Promise(r => setTimeout(r, 1));
      this.running.set(user, now - 1);
      return super.insertAll(...args);
    }
  }

  it("writes one user's creates a batch at a time, those that came meanwhile together, other users' alongside, gathered in one place shared by every request's use cases", async () => {
    const slow = new SlowStore();
    const creates = createBatches({maxWaiting: 100, maxWaitMs: 60_000});
    // As the function builds them: use cases for each request, one place.
    const perRequest = () =>
      new Orders(slow, {maxOpenOrders: 100}, () => now, creates);
    const results = await Promise.all(
      ['user-001', 'user-002'].flatMap(userId =>
        Array.from({length: 5}, () => perRequest().create({...INPUT, userId})),
      ),
    );
    expect(slow.mostAtOnce).to.deep.equal(
      new Map([
        ['user-001', 1],
        ['user-002', 1],
      ]),
    );
    // The first of each user's alone, the four that came while it ran together.
    expect(slow.batches.map(b => b.length).sort()).to.deep.equal([1, 1, 4, 4]);
    expect(results.every(r => r.created)).to.equal(true);
    expect(new Set(results.map(r => r.order.id)).size).to.equal(10);
    expect(slow.records.size).to.equal(10);
  });

  it('creates one order for a key sent again within one batch, the later ones replays', async () => {
    const slow = new SlowStore();
    orders = new Orders(slow, {maxOpenOrders: 100}, () => now, createBatches());
    const results = await Promise.all(
      Array.from({length: 4}, () => orders.create(INPUT, 'key-1')),
    );
    expect(slow.batches.map(b => b.length)).to.deep.equal([1, 3]);
    expect(results.map(r => r.created)).to.deep.equal([
      true,
      false,
      false,
      false,
    ]);
    expect(new Set(results.map(r => r.order.id)).size).to.equal(1);
    expect(slow.records.size).to.equal(1);
  });

  it("refuses a create past a batch's worth waiting with a BusyError, writing nothing of it, and serves the others", async () => {
    const slow = new SlowStore();
    orders = new Orders(
      slow,
      {maxOpenOrders: 100},
      () => now,
      createBatches({maxWaiting: 1, maxWaitMs: 60_000}),
    );
    const settled = await Promise.allSettled(
      Array.from({length: 3}, () => orders.create(INPUT)),
    );
    expect(settled.map(r => r.status)).to.deep.equal([
      'fulfilled',
      'fulfilled',
      'rejected',
    ]);
    expect((settled[2] as PromiseRejectedResult).reason).to.be.instanceOf(
      BusyError,
    );
    expect(slow.records.size).to.equal(2);
  });

  it('refuses a create at once when its request has no time left to wait for its batch', async () => {
    const slow = new SlowStore();
    orders = new Orders(slow, {maxOpenOrders: 100}, () => now, createBatches());
    const first = orders.create(INPUT);
    // Due before the transaction that would write it could run.
    await rejectionOf(
      orders.create(INPUT, undefined, Date.now() + 100),
      BusyError,
    );
    await first;
    expect(slow.records.size).to.equal(1);
  });

  it('answers a repeated key with the first order though it was deleted since', async () => {
    const first = await orders.create(INPUT, 'key-1');
    await orders.delete(first.order.id);
    const again = await orders.create(INPUT, 'key-1');
    expect(again).to.deep.equal({order: first.order, created: false});
  });

  it('reads the order of a key written before keys kept the first order, and reports it missing when gone', async () => {
    const first = await orders.create(INPUT, 'key-1');
    const claim = store.claims.get(sha256Hex('key-1'))!;
    store.claims.set(sha256Hex('key-1'), {...claim, first: undefined});
    await orders.changeStatus(first.order.id, 'processing');
    const again = await orders.create(INPUT, 'key-1');
    expect(again.order.status).to.equal('processing');
    await orders.delete(first.order.id);
    await rejectionOf(orders.create(INPUT, 'key-1'), OrderNotFoundError);
  });

  it('moves an order along its lifecycle, stamping each change', async () => {
    const {order} = await orders.create(INPUT);
    now = LATER;
    const changed = await orders.changeStatus(order.id, 'processing');
    expect(changed).to.include({
      status: 'processing',
      createdAt: NOW.toISOString(),
      updatedAt: LATER.toISOString(),
    });
    expect(await orders.get(order.id)).to.deep.equal(changed);
  });

  it('treats an order the caller may not change as missing, judged on the order the transaction read', async () => {
    const {order} = await orders.create(INPUT);
    const seen: string[] = [];
    const e = await rejectionOf(
      orders.changeStatus(order.id, 'cancelled', current => {
        seen.push(current.userId);
        return false;
      }),
      OrderNotFoundError,
    );
    expect(e.id).to.equal(order.id);
    expect(e.message).to.include(order.id);
    expect(seen).to.deep.equal([INPUT.userId]);
    expect((await orders.get(order.id)).status).to.equal('pending');
    const allowed = await orders.changeStatus(
      order.id,
      'cancelled',
      () => true,
    );
    expect(allowed.status).to.equal('cancelled');
  });

  const refusals: {
    from: OrderRecord['status'];
    to: OrderRecord['status'];
    /** What the refusal names as possible instead. */
    next: OrderRecord['status'][];
  }[] = [
    {from: 'pending', to: 'shipped', next: ['processing', 'cancelled']},
    {from: 'completed', to: 'cancelled', next: []},
    {from: 'shipped', to: 'shipped', next: ['completed']},
  ];
  refusals.forEach(({from, to, next}) =>
    it(`refuses ${from} → ${to}, saying what is possible, and changes nothing`, async () => {
      store.records.set('o1', newOrderRecord(INPUT, from, 'then'));
      const e = await rejectionOf(
        orders.changeStatus('o1', to),
        TransitionError,
      );
      expect(e).to.include({from, to});
      const named = ORDER_STATUSES.filter(s =>
        new RegExp(`\\b${s}\\b`).test(e.message),
      );
      expect(named).to.have.members([...new Set([from, to, ...next])]);
      expect(store.records.get('o1')!.status).to.equal(from);
    }),
  );

  it('reports missing orders to get, change and delete', async () => {
    for (const attempt of [
      orders.get('nope'),
      orders.changeStatus('nope', 'processing'),
      orders.delete('nope'),
    ]) {
      const e = await rejectionOf(attempt, OrderNotFoundError);
      expect(e.id).to.equal('nope');
      expect(e.message).to.include('nope');
    }
  });

  it('lists orders as views, passing the filter and the cursor on', async () => {
    const {order} = await orders.create(INPUT);
    const page = await orders.list({userId: 'user-001'}, {limit: 5});
    expect(page).to.deep.equal({items: [order], nextCursor: 'next'});
    expect(store.lastFilter).to.deep.equal({userId: 'user-001'});
  });
});

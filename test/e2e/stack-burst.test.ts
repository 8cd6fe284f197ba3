/**
 * One user's burst of creates through the whole stack (gateway → user,
 * gateway → order, the emulator): every answer a creation, a replay or a
 * 429 with Retry-After, well within the request's budget; exactly one order
 * per Idempotency-Key and none for a refused create; and the open-order
 * limit held, a burst past it included. A stack of its own: the bursts
 * leave orders behind that the shared stack's tests would see.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {createFirestore} from '../../functions/common/storage/firestore';
import {OPEN_ORDER_COUNTS, ORDERS} from '../../functions/order/store';
import type {Stack} from '../../local/stack';
import {call, type Reply} from '../fixtures/call';
import {asEndUser, startTestStack} from '../fixtures/stack';

/** The gateway's budget for a request (REQUEST_TIMEOUT_MS's default). */
const BUDGET_MS = 15_000;
/** The order function's default MAX_OPEN_ORDERS. */
const MAX_OPEN = 100;

describe('the local stack, end to end: one user’s burst of creates', function () {
  this.timeout(180_000);
  let stack: Stack;
  let db: Firestore;

  before(async () => {
    ({stack} = await startTestStack('cloud', 'burst'));
    db = createFirestore(stack.info.projectId, 'order-data');
  });
  after(async () => {
    await db?.terminate();
    await stack?.stop();
  });

  interface Answer extends Reply {
    key?: string;
    ms: number;
  }

  /** A create of `who`'s, for `userId`, with `key` if given: its answer and how long it took. */
  async function create(
    who: string,
    userId: string,
    key?: string,
  ): Promise<Answer> {
    const started = performance.now();
    const reply = await call(
      `${stack.info.urls.gateway}/api/orders`,
      asEndUser(
        stack,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            ...(key !== undefined && {'Idempotency-Key': key}),
          },
          body: JSON.stringify({
            userId,
            items: [{product: 'Cable', quantity: 1, price: 4.99}],
          }),
        },
        who,
      ),
    );
    return {...reply, key, ms: performance.now() - started};
  }

  /** 40 keys sent 4 times each and 40 creates without a key, all at once, shuffled. */
  function burst(who: string, userId: string, tag: string) {
    const sends = [
      ...Array.from({length: 160}, (_, i) => `${tag}-${i % 40}`),
      ...Array.from({length: 40}, () => undefined),
    ].sort(() => Math.random() - 0.5);
    return Promise.all(sends.map(key => create(who, userId, key)));
  }

  /** Every answer a creation, a replay or a 429 with Retry-After (or, past the limit, a 409), well within the budget. */
  function checkAnswers(answers: Answer[], allowed: number[]) {
    const statuses = answers.map(a => a.status);
    expect(
      [...new Set(statuses)].filter(s => !allowed.includes(s)),
    ).to.deep.equal([]);
    for (const a of answers.filter(a => a.status === 429)) {
      expect(a.headers.get('retry-after')).to.match(/^[1-9]\d*$/);
      expect(a.body.code).to.equal('orders-busy');
    }
    for (const a of answers.filter(a => a.status === 409))
      expect(a.body.code).to.equal('open-orders-limit');
    expect(Math.max(...answers.map(a => a.ms))).to.be.below(BUDGET_MS / 2);
  }

  /**
   * The orders the answers created: one id for all the creations of a key,
   * and in Firestore exactly these for `userId`, beside those it had.
   */
  async function checkCreated(
    answers: Answer[],
    userId: string,
    had: Set<string>,
  ) {
    const created = answers.filter(a => a.status === 201);
    const byKey = new Map<string, Set<string>>();
    for (const a of created.filter(a => a.key !== undefined)) {
      const ids = byKey.get(a.key!) ?? new Set();
      byKey.set(a.key!, ids.add(a.body.data.order.id));
    }
    for (const [key, ids] of byKey) expect(ids.size, key).to.equal(1);
    // A key's later creations are replays of its first.
    for (const ids of byKey.values()) {
      const [id] = ids;
      const ofKey = created.filter(a => a.body.data.order.id === id);
      expect(
        ofKey.filter(a => a.headers.get('idempotent-replayed') !== 'true'),
      ).to.have.length.at.most(1);
    }
    const ids = new Set(created.map(a => a.body.data.order.id as string));
    const stored = await ordersOf(userId);
    expect(stored.filter(id => !had.has(id)).sort()).to.deep.equal(
      [...ids].sort(),
    );
    return ids;
  }

  const ordersOf = async (userId: string) =>
    (await db.collection(ORDERS).where('userId', '==', userId).get()).docs.map(
      d => d.id,
    );
  const openOrders = async (userId: string) =>
    (
      await db
        .collection(ORDERS)
        .where('userId', '==', userId)
        .where('status', 'in', ['pending', 'processing'])
        .get()
    ).size;

  it('answers 200 creates of one user at once with creations, replays or 429s, one order per key', async () => {
    // A serving stack: the functions' first requests load and connect what they need.
    expect((await create('alice@example.com', 'user-001')).status).to.equal(
      201,
    );
    const had = new Set(await ordersOf('user-001'));
    const answers = await burst('alice@example.com', 'user-001', 'a');
    checkAnswers(answers, [201, 429]);
    const ids = await checkCreated(answers, 'user-001', had);
    expect(ids.size).to.be.above(0);
    const count = await db.collection(OPEN_ORDER_COUNTS).doc('user-001').get();
    expect(Number(count.get('open'))).to.equal(await openOrders('user-001'));
  });

  it('holds the open-order limit under a burst past it', async () => {
    // Bob holds all but a few of his open orders already, written before
    // any count was kept: the first create counts them.
    const room = 5;
    const had = await openOrders('user-002');
    const batch = db.batch();
    for (let i = 0; i < MAX_OPEN - room - had; i++)
      batch.set(db.collection(ORDERS).doc(`bob-${i}`), {
        userId: 'user-002',
        items: [{product: 'Cable', quantity: 1, priceCents: 499}],
        totalCents: 499,
        status: 'pending',
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      });
    await batch.commit();
    const before = new Set(await ordersOf('user-002'));
    const answers = await burst('bob@example.com', 'user-002', 'b');
    checkAnswers(answers, [201, 409, 429]);
    const ids = await checkCreated(answers, 'user-002', before);
    expect(ids.size).to.be.at.most(room);
    const open = await openOrders('user-002');
    expect(open).to.equal(MAX_OPEN - room + ids.size);
    // A 409 was told only once the user held the limit.
    if (answers.some(a => a.status === 409)) expect(open).to.equal(MAX_OPEN);
  });
});

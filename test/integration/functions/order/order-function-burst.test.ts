/**
 * The order function over HTTP, built as in production, on the emulator:
 * one user's concurrent creates, each answered within its budget, written
 * a batch at a time or refused with 429 and Retry-After, nothing of a
 * refused one written.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import type {Server} from 'node:http';
import request from 'supertest';
import {BUDGET_HEADER} from '../../../../functions/common/http/context';
import {createFirestore} from '../../../../functions/common/storage/firestore';
import {IDEMPOTENCY_KEYS, ORDERS} from '../../../../functions/order/store';
import {
  newOrder,
  startOrderFunction,
  type OrderFunction,
} from '../../../fixtures/order-function';

/** As long as the gateway gives a call (DOWNSTREAM_TIMEOUT_MS's default). */
const BUDGET_MS = '5000';

describe('order function (HTTP): one user’s burst of creates', function () {
  this.timeout(120_000);
  let kit: OrderFunction['kit'];
  let server: Server;
  let auth: OrderFunction['auth'];
  let db: Firestore;

  before(async () => {
    ({kit, server, auth} = await startOrderFunction());
    db = createFirestore(kit.projectId, 'order-data');
    // A serving instance: its first request loads and connects what it
    // needs, which a burst would otherwise all wait on.
    const first = await request(server)
      .post('/orders')
      .set(auth)
      .send(newOrder);
    expect(first.status).to.equal(201);
  });
  after(async () => {
    await db.terminate();
    await kit.identity.stop();
  });

  /** `n` creates for `userId` at once, each with a key of its own. */
  const burst = (userId: string, n: number) =>
    Promise.all(
      Array.from({length: n}, (_, i) =>
        request(server)
          .post('/orders')
          .set(auth)
          .set(BUDGET_HEADER, BUDGET_MS)
          .set('Idempotency-Key', `${userId}-${i}`)
          .send({...newOrder, userId}),
      ),
    );
  const ordersOf = async (userId: string) =>
    (await db.collection(ORDERS).where('userId', '==', userId).get()).size;

  it("creates a few of one user's orders at once, none out of time", async () => {
    const answers = await burst('user-few', 6);
    expect(answers.map(a => a.status)).to.deep.equal(Array(6).fill(201));
    expect(new Set(answers.map(a => a.body.order.id)).size).to.equal(6);
    expect(await ordersOf('user-few')).to.equal(6);
  });

  it("answers a burst of one user's creates with creations or 429s with Retry-After, and writes exactly what it answered created", async () => {
    // Below the open-order limit (MAX_OPEN_ORDERS, 100).
    const answers = await burst('user-many', 90);
    const statuses = new Set(answers.map(a => a.status));
    expect([...statuses].filter(s => s !== 201 && s !== 429)).to.deep.equal([]);
    const refused = answers.filter(a => a.status === 429);
    for (const a of refused) {
      expect(a.headers['retry-after']).to.match(/^[1-9]\d*$/);
      expect(a.type).to.equal('application/problem+json');
      expect(a.body.code).to.equal('orders-busy');
    }
    const created = answers.filter(a => a.status === 201);
    expect(created.length).to.be.above(0);
    expect(await ordersOf('user-many')).to.equal(created.length);
    const keys = await db.collection(IDEMPOTENCY_KEYS).get();
    const ids = new Set(created.map(a => a.body.order.id));
    expect(keys.docs.filter(k => ids.has(k.get('orderId')))).to.have.length(
      created.length,
    );
  });
});

/**
 * Orders in Firestore: the OrderStore port of domain.ts and nothing more.
 * Every write is atomic (one write or one small transaction), so nothing is
 * ever half-written; transactions touch one order or one user's open
 * orders, so the emulator's slow contended transactions stay rare.
 */
import {
  AggregateField,
  Timestamp,
  type Firestore,
  type Query,
} from '@google-cloud/firestore';
import {z} from 'zod';
import {
  converterFor,
  createIfMissing,
  pageOf,
  runTransaction,
  TransactionGaveUpError,
  type TransactionBounds,
} from '../common/storage/firestore';
import {ORDER_STATUSES} from './contract';
import {BusyError} from './errors';
import type {Page, PageRequest} from '../common/protocol/page';
import type {
  ClaimedBy,
  IdempotencyClaim,
  Inserted,
  NewOrder,
  OrderFilter,
  OrderRecord,
  OrderStore,
  StatusTotal,
  WithId,
} from './domain';
import {CANCELLABLE_STATUSES} from './status';

export const ORDERS = 'orders';
/** One document per Idempotency-Key (id: its hash) naming the order it created. */
export const IDEMPOTENCY_KEYS = 'orderIdempotencyKeys';
/** One document per user (id: the uid): `{open}`, its open orders (MAX_OPEN_ORDERS). */
export const OPEN_ORDER_COUNTS = 'openOrderCounts';

/** 1 for an order that counts toward its user's open orders, else 0. */
const openness = (record: OrderRecord) =>
  CANCELLABLE_STATUSES.includes(record.status) ? 1 : 0;

/**
 * A whole number as stored. Integers arrive as bigints (createFirestore);
 * a record's are small, and are numbers here.
 */
const storedInt = z
  .union([z.number().int(), z.bigint()])
  .transform(n => Number(n));

/** An order's document: the record, money in integer cents. */
const recordSchema = z.object({
  userId: z.string(),
  items: z.array(
    z.object({
      product: z.string(),
      quantity: storedInt,
      priceCents: storedInt,
    }),
  ),
  totalCents: storedInt,
  status: z.enum(ORDER_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const storedOrder = converterFor<OrderRecord>(recordSchema);

/** A used Idempotency-Key's document (ClaimedBy), and when it expires. */
interface StoredClaim extends ClaimedBy {
  expireAt: Timestamp;
}
const storedClaim = converterFor<StoredClaim>(
  z.object({
    orderId: z.string(),
    fingerprint: z.string(),
    expireAt: z.instanceof(Timestamp),
    // Absent from keys written before the first answer was kept.
    first: recordSchema.optional(),
  }),
);

/** A user's count of open orders. */
const storedCount = converterFor<{open: number}>(z.object({open: storedInt}));

/** Whether a key's claim is past its expireAt. */
function expired(claim: StoredClaim, now: Date): boolean {
  return claim.expireAt.toMillis() <= now.getTime();
}

/** What a used key's document says. */
function claimedBy({orderId, fingerprint, first}: StoredClaim): {
  claimedBy: ClaimedBy;
} {
  return {
    claimedBy: {orderId, fingerprint, ...(first !== undefined && {first})},
  };
}

/**
 * How long a create's transaction starts new attempts when it loses to
 * another's (another instance's: an instance writes one user's creates a
 * batch at a time, domain.ts), so that a 429 comes well within the
 * request's budget rather than a 504 after waiting on the user's count.
 */
export const CREATE_RETRY_MS = 1000;

export class FirestoreOrderStore implements OrderStore {
  constructor(
    private readonly db: Firestore,
    private readonly now: () => Date = () => new Date(),
    private readonly createRetryMs = CREATE_RETRY_MS,
  ) {}

  /**
   * `update` in a transaction (common/firestore.ts runTransaction): tried
   * again only when that may help, a BusyError when the tries ran out.
   */
  private async transaction<T>(
    update: (tx: FirebaseFirestore.Transaction) => Promise<T>,
    bounds?: TransactionBounds,
  ): Promise<T> {
    try {
      return await runTransaction(this.db, update, bounds);
    } catch (e: unknown) {
      throw e instanceof TransactionGaveUpError ? new BusyError(e) : e;
    }
  }

  private get orders() {
    return this.db.collection(ORDERS).withConverter(storedOrder);
  }

  list(filter: OrderFilter, page: PageRequest): Promise<Page<WithId>> {
    let query: Query<OrderRecord> = this.orders;
    if (filter.userId !== undefined)
      query = query.where('userId', '==', filter.userId);
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      query =
        filter.statuses.length === 1
          ? query.where('status', '==', filter.statuses[0])
          : query.where('status', 'in', filter.statuses);
    }
    return pageOf(query, page, (id, data) => ({id, ...data}));
  }

  async get(id: string): Promise<OrderRecord | undefined> {
    return (await this.orders.doc(id).get()).data();
  }

  /** The document that counts `userId`'s open orders. */
  private openCountOf(userId: string) {
    return this.db
      .collection(OPEN_ORDER_COUNTS)
      .withConverter(storedCount)
      .doc(userId);
  }

  /**
   * How many open orders `userId` has, read in `tx`: the user's count
   * document, or, where there is none yet (a user's first order, or orders
   * written before counts were kept), an aggregation of the user's orders.
   */
  private async openOrders(
    tx: FirebaseFirestore.Transaction,
    userId: string,
  ): Promise<number> {
    const count = (await tx.get(this.openCountOf(userId))).data();
    if (count !== undefined) return count.open;
    const aggregate = await tx.get(
      this.orders
        .where('userId', '==', userId)
        .where('status', 'in', CANCELLABLE_STATUSES)
        .count(),
    );
    return Number(aggregate.data().count);
  }

  /**
   * Adds `delta` to `userId`'s count of open orders, in `tx`; nothing when
   * it is 0. It reads the count, so it comes before the other writes.
   */
  private async countOpen(
    tx: FirebaseFirestore.Transaction,
    userId: string,
    delta: number,
  ): Promise<void> {
    if (delta === 0) return;
    const open = await this.openOrders(tx, userId);
    tx.set(this.openCountOf(userId), {open: Math.max(0, open + delta)});
  }

  /** One new order: insertAll's one-order case. */
  async insert(
    record: OrderRecord,
    maxOpen: number,
    claim?: IdempotencyClaim,
  ): Promise<Inserted> {
    const [inserted] = await this.insertAll([{record, claim}], maxOpen);
    return inserted;
  }

  async insertAll(orders: NewOrder[], maxOpen: number): Promise<Inserted[]> {
    if (orders.length === 0) return [];
    const {userId} = orders[0].record;
    if (orders.some(o => o.record.userId !== userId))
      throw new Error('insertAll takes the orders of one user');
    const keys = this.db
      .collection(IDEMPOTENCY_KEYS)
      .withConverter(storedClaim);
    // One transaction: the keys' claims, the user's count of open orders and
    // the new orders. Two requests with the same key cannot both create an
    // order, no key points at an order that was not written, and two
    // concurrent creates cannot both take a user's last open slot. A user's
    // creates contend on that user's count only: a query in a transaction
    // would lock far more in the emulator. It starts no attempt past
    // createRetryMs: a BusyError, then.
    return this.transaction(
      async tx => {
        const refs = [
          ...new Set(orders.flatMap(o => (o.claim ? [o.claim.keyHash] : []))),
        ].map(hash => keys.doc(hash));
        const snapshots = refs.length > 0 ? await tx.getAll(...refs) : [];
        const claims = new Map<string, ClaimedBy>();
        for (const snapshot of snapshots) {
          const current = snapshot.data();
          // Past its expireAt a key is free again, though Firestore's TTL
          // may take a day or more to delete it: it is taken over.
          if (current !== undefined && !expired(current, this.now()))
            claims.set(snapshot.id, claimedBy(current).claimedBy);
        }
        const before = await this.openOrders(tx, userId);
        let open = before;
        const results = orders.map(({record, claim}): Inserted => {
          const claimed = claim && claims.get(claim.keyHash);
          if (claimed !== undefined) return {claimedBy: claimed};
          if (open >= maxOpen) return {full: true};
          const ref = this.orders.doc();
          tx.create(ref, record);
          if (claim !== undefined) {
            // The key keeps the order as created: a replay answers with it.
            tx.set(keys.doc(claim.keyHash), {
              orderId: ref.id,
              fingerprint: claim.fingerprint,
              expireAt: Timestamp.fromDate(claim.expireAt),
              first: record,
            });
            claims.set(claim.keyHash, {
              orderId: ref.id,
              fingerprint: claim.fingerprint,
              first: record,
            });
          }
          open += openness(record);
          return {id: ref.id};
        });
        if (open !== before) tx.set(this.openCountOf(userId), {open});
        return results;
      },
      {until: Date.now() + this.createRetryMs},
    );
  }

  update(
    id: string,
    change: (current: OrderRecord) => Partial<OrderRecord>,
  ): Promise<OrderRecord | undefined> {
    const ref = this.orders.doc(id);
    // Read, change and write in one transaction so two concurrent changes
    // cannot both start from the same old record; the user's count of open
    // orders changes with it when the order opens or closes.
    return this.transaction(async tx => {
      const current = (await tx.get(ref)).data();
      if (current === undefined) return undefined;
      const changes = change(current);
      const updated = {...current, ...changes};
      await this.countOpen(
        tx,
        current.userId,
        openness(updated) - openness(current),
      );
      tx.update(ref, changes);
      return updated;
    });
  }

  delete(id: string): Promise<boolean> {
    const ref = this.orders.doc(id);
    // With the user's count of open orders, when the order was open.
    return this.transaction(async tx => {
      const current = (await tx.get(ref)).data();
      if (current === undefined) return false;
      await this.countOpen(tx, current.userId, -openness(current));
      tx.delete(ref);
      return true;
    });
  }

  totalsByStatus(): Promise<StatusTotal[]> {
    // One count+sum aggregation per status, in parallel: the server adds
    // them up, so no order document is read however many there are.
    return Promise.all(
      ORDER_STATUSES.map(async status => {
        const snapshot = await this.orders
          .where('status', '==', status)
          .aggregate({
            count: AggregateField.count(),
            cents: AggregateField.sum('totalCents'),
          })
          .get();
        const {count, cents} = snapshot.data();
        return {
          status,
          count: Number(count),
          // A bigint from createFirestore's client; any other client's number too.
          cents: BigInt(cents ?? 0),
        };
      }),
    );
  }

  /** Writes the records under their ids, leaving any that exist as they are. */
  async seed(records: Record<string, OrderRecord>): Promise<void> {
    await Promise.all(
      Object.entries(records).map(([id, record]) =>
        createIfMissing(this.orders.doc(id), record),
      ),
    );
  }
}

/**
 * Orders in Firestore: the OrderStore port of domain.ts and nothing more.
 * Every write is atomic (one write or one small transaction), so nothing is
 * ever half-written; transactions touch one order or one user's open
 * orders, so the emulator's slow contended transactions stay rare.
 */
import {
  AggregateField,
  type Firestore,
  type Query,
} from '@google-cloud/firestore';
import {createIfMissing, hasCode, NOT_FOUND, pageOf} from '../common/firestore';
import {ORDER_STATUSES} from '../common/orders';
import type {Page, PageRequest} from '../common/page';
import type {
  ClaimedBy,
  IdempotencyClaim,
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

/**
 * The fields of a record, whatever else a document holds. Integers arrive
 * as bigints (createFirestore); a record's are small, and are numbers here.
 */
function toRecord(data: FirebaseFirestore.DocumentData): OrderRecord {
  const items = (data.items as Record<string, unknown>[]).map(i => ({
    ...i,
    quantity: Number(i.quantity),
    priceCents: Number(i.priceCents),
  }));
  return {
    userId: data.userId,
    items: items as OrderRecord['items'],
    totalCents: Number(data.totalCents),
    status: data.status,
    createdAt: data.createdAt,
    updatedAt: data.updatedAt,
  };
}

/** Whether a key's claim document is past its expireAt (a Firestore Timestamp). */
function expired(
  claim: FirebaseFirestore.DocumentSnapshot,
  now: Date,
): boolean {
  const expireAt = claim.get('expireAt') as {toMillis(): number} | undefined;
  return expireAt !== undefined && expireAt.toMillis() <= now.getTime();
}

/** What a used key's document says. */
function claimedBy(doc: FirebaseFirestore.DocumentSnapshot): {
  claimedBy: ClaimedBy;
} {
  const first = doc.get('first') as OrderRecord | undefined;
  return {
    claimedBy: {
      orderId: doc.get('orderId') as string,
      fingerprint: doc.get('fingerprint') as string,
      ...(first !== undefined && {first: toRecord(first)}),
    },
  };
}

export class FirestoreOrderStore implements OrderStore {
  constructor(
    private readonly db: Firestore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get orders() {
    return this.db.collection(ORDERS);
  }

  list(filter: OrderFilter, page: PageRequest): Promise<Page<WithId>> {
    let query: Query = this.orders;
    if (filter.userId !== undefined)
      query = query.where('userId', '==', filter.userId);
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      query =
        filter.statuses.length === 1
          ? query.where('status', '==', filter.statuses[0])
          : query.where('status', 'in', filter.statuses);
    }
    return pageOf(query, page, (id, data) => ({id, ...toRecord(data)}));
  }

  async get(id: string): Promise<OrderRecord | undefined> {
    const doc = await this.orders.doc(id).get();
    return doc.exists ? toRecord(doc.data()!) : undefined;
  }

  insert(
    record: OrderRecord,
    maxOpen: number,
    claim?: IdempotencyClaim,
  ): Promise<{id: string} | {claimedBy: ClaimedBy} | {full: true}> {
    const ref = this.orders.doc();
    const keyRef =
      claim && this.db.collection(IDEMPOTENCY_KEYS).doc(claim.keyHash);
    // One transaction: the key's claim, the count of the user's open orders
    // and the new order. Two requests with the same key cannot both create
    // an order, no key points at an order that was not written, and two
    // concurrent creates cannot both take a user's last open slot. Each
    // user's creates contend only with that user's own.
    return this.db.runTransaction(async tx => {
      if (keyRef !== undefined) {
        const current = await tx.get(keyRef);
        // Past its expireAt a key is free again, though Firestore's TTL
        // may take a day or more to delete it: it is taken over.
        if (current.exists && !expired(current, this.now()))
          return claimedBy(current);
      }
      const open = await tx.get(
        this.orders
          .where('userId', '==', record.userId)
          .where('status', 'in', CANCELLABLE_STATUSES)
          .count(),
      );
      if (Number(open.data().count) >= maxOpen) return {full: true};
      if (keyRef !== undefined)
        // The key keeps the order as created: a replay answers with it.
        tx.set(keyRef, {
          orderId: ref.id,
          fingerprint: claim!.fingerprint,
          expireAt: claim!.expireAt,
          first: record,
        });
      tx.create(ref, record);
      return {id: ref.id};
    });
  }

  update(
    id: string,
    change: (current: OrderRecord) => Partial<OrderRecord>,
  ): Promise<OrderRecord | undefined> {
    const ref = this.orders.doc(id);
    // Read, change and write in one transaction so two concurrent changes
    // cannot both start from the same old record.
    return this.db.runTransaction(async tx => {
      const doc = await tx.get(ref);
      if (!doc.exists) return undefined;
      const current = toRecord(doc.data()!);
      const changes = change(current);
      tx.update(ref, changes);
      return {...current, ...changes};
    });
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.orders.doc(id).delete({exists: true});
      return true;
    } catch (e: unknown) {
      if (hasCode(e, NOT_FOUND)) return false;
      throw e;
    }
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

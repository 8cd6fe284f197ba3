/**
 * Where orders live. The routes see only the OrderStore port; Firestore is
 * one implementation of it. Every write is a single atomic batch or a small
 * transaction on one document, so nothing is ever half-written and the
 * emulator's slow contended transactions stay rare.
 */
import {createHash} from 'node:crypto';
import {
  AggregateField,
  type Firestore,
  type Query,
} from '@google-cloud/firestore';
import {
  ALREADY_EXISTS,
  hasCode,
  NOT_FOUND,
  pageOf,
  type Page,
} from '../common/firestore';
import {
  ORDER_STATUSES,
  type CreateOrder,
  type OrderStatus,
  type OrderView,
} from '../common/orders';
import {fromCents, toCents, totalCents} from './money';
import {canTransition} from './status';

export interface StoredItem {
  product: string;
  quantity: number;
  priceCents: number;
}

export interface OrderFilter {
  userId?: string;
  statuses?: OrderStatus[];
}

export interface OrderStats {
  totalOrders: number;
  totalRevenue: number;
  ordersByStatus: Record<OrderStatus, number>;
  averageOrderValue: number;
}

export interface Idempotency {
  key: string;
  /** Hash of the request it was first used with. */
  fingerprint: string;
}

export class OrderNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`Order ${id} not found.`);
    this.name = 'OrderNotFoundError';
  }
}

export class TransitionError extends Error {
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`An order that is ${from} cannot become ${to}.`);
    this.name = 'TransitionError';
  }
}

export class IdempotencyMismatchError extends Error {
  constructor() {
    super('This Idempotency-Key was already used for a different order.');
    this.name = 'IdempotencyMismatchError';
  }
}

export interface OrderStore {
  list(
    filter: OrderFilter,
    page: {limit: number; cursor?: string},
  ): Promise<Page<OrderView>>;
  get(id: string): Promise<OrderView | undefined>;
  /**
   * Creates an order; with `idempotency`, a retry returns the first order.
   * @throws IdempotencyMismatchError when the key came with another request.
   */
  create(
    order: CreateOrder,
    idempotency?: Idempotency,
  ): Promise<{order: OrderView; created: boolean}>;
  /** @throws OrderNotFoundError, TransitionError */
  updateStatus(id: string, to: OrderStatus): Promise<OrderView>;
  delete(id: string): Promise<boolean>;
  stats(): Promise<OrderStats>;
}

export const ORDERS = 'orders';
/** One document per Idempotency-Key (id: its hash) naming the order it created. */
export const IDEMPOTENCY_KEYS = 'orderIdempotencyKeys';
/** Keys are kept a day; a Firestore TTL policy on `expireAt` can delete them after. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The document written for a new order; also used to load the seed data. */
export function newOrderDocument(
  order: CreateOrder,
  status: OrderStatus,
  now: string,
) {
  const items: StoredItem[] = order.items.map(i => ({
    product: i.product,
    quantity: i.quantity,
    priceCents: toCents(i.price),
  }));
  return {
    userId: order.userId,
    items,
    totalCents: totalCents(items),
    status,
    createdAt: now,
    updatedAt: now,
  };
}

export function toOrderView(
  id: string,
  data: FirebaseFirestore.DocumentData,
): OrderView {
  const items = data.items as StoredItem[];
  return {
    id,
    userId: data.userId,
    items: items.map(i => ({
      product: i.product,
      quantity: i.quantity,
      price: fromCents(i.priceCents),
      subtotal: fromCents(i.quantity * i.priceCents),
    })),
    total: fromCents(data.totalCents),
    status: data.status,
    createdAt: data.createdAt,
    updatedAt: data.updatedAt,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class FirestoreOrderStore implements OrderStore {
  constructor(private readonly db: Firestore) {}

  private get orders() {
    return this.db.collection(ORDERS);
  }

  list(
    filter: OrderFilter,
    page: {limit: number; cursor?: string},
  ): Promise<Page<OrderView>> {
    let query: Query = this.orders;
    if (filter.userId !== undefined)
      query = query.where('userId', '==', filter.userId);
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      query =
        filter.statuses.length === 1
          ? query.where('status', '==', filter.statuses[0])
          : query.where('status', 'in', filter.statuses);
    }
    return pageOf(query, page, toOrderView);
  }

  async get(id: string): Promise<OrderView | undefined> {
    const doc = await this.orders.doc(id).get();
    return doc.exists ? toOrderView(doc.id, doc.data()!) : undefined;
  }

  async create(
    order: CreateOrder,
    idempotency?: Idempotency,
  ): Promise<{order: OrderView; created: boolean}> {
    const ref = this.orders.doc();
    const stored = newOrderDocument(order, 'pending', new Date().toISOString());
    if (idempotency === undefined) {
      await ref.create(stored);
      return {order: toOrderView(ref.id, stored), created: true};
    }

    // The key's claim and the order are one atomic batch: two concurrent
    // requests with the same key cannot both create an order, and no key
    // ever points at an order that was not written.
    const keyRef = this.db
      .collection(IDEMPOTENCY_KEYS)
      .doc(sha256(idempotency.key));
    const batch = this.db.batch();
    batch.create(keyRef, {
      orderId: ref.id,
      fingerprint: idempotency.fingerprint,
      expireAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
    });
    batch.create(ref, stored);
    try {
      await batch.commit();
      return {order: toOrderView(ref.id, stored), created: true};
    } catch (e: unknown) {
      if (!hasCode(e, ALREADY_EXISTS)) throw e;
    }
    const claim = await keyRef.get();
    if (claim.get('fingerprint') !== idempotency.fingerprint)
      throw new IdempotencyMismatchError();
    const first = await this.get(claim.get('orderId'));
    if (first === undefined) throw new OrderNotFoundError(claim.get('orderId'));
    return {order: first, created: false};
  }

  updateStatus(id: string, to: OrderStatus): Promise<OrderView> {
    const ref = this.orders.doc(id);
    // Read, check and write in one transaction so two concurrent changes
    // cannot both pass the check against the same old status.
    return this.db.runTransaction(async tx => {
      const doc = await tx.get(ref);
      if (!doc.exists) throw new OrderNotFoundError(id);
      const from = doc.get('status') as OrderStatus;
      if (!canTransition(from, to)) throw new TransitionError(from, to);
      const updatedAt = new Date().toISOString();
      tx.update(ref, {status: to, updatedAt});
      return toOrderView(id, {...doc.data(), status: to, updatedAt});
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

  async stats(): Promise<OrderStats> {
    // One count+sum aggregation per status, in parallel: the server adds
    // them up, so no order document is read however many there are.
    const perStatus = await Promise.all(
      ORDER_STATUSES.map(async status => {
        const snapshot = await this.orders
          .where('status', '==', status)
          .aggregate({
            count: AggregateField.count(),
            cents: AggregateField.sum('totalCents'),
          })
          .get();
        return {
          status,
          count: snapshot.data().count,
          cents: snapshot.data().cents ?? 0,
        };
      }),
    );
    const ordersByStatus = Object.fromEntries(
      perStatus.map(s => [s.status, s.count]),
    ) as Record<OrderStatus, number>;
    // Cancelled orders earn nothing: they are counted, not summed.
    const earning = perStatus.filter(s => s.status !== 'cancelled');
    const revenueCents = earning.reduce((sum, s) => sum + s.cents, 0);
    const earningCount = earning.reduce((sum, s) => sum + s.count, 0);
    return {
      totalOrders: perStatus.reduce((sum, s) => sum + s.count, 0),
      totalRevenue: fromCents(revenueCents),
      ordersByStatus,
      averageOrderValue:
        earningCount === 0
          ? 0
          : fromCents(Math.round(revenueCents / earningCount)),
    };
  }
}

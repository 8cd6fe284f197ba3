/**
 * The order function's rules, apart from HTTP and Firestore: an order's
 * money is computed here from integer cents, its status moves only along
 * the lifecycle (status.ts), a repeated Idempotency-Key returns the first
 * order, and stats count every order but earn nothing from cancelled ones.
 * Routes call these use cases; the store behind the OrderStore port only
 * reads and writes records.
 */
import {sha256Hex} from '../common/platform/hash';
import type {CreateOrder, OrderStatus, OrderView} from './contract';
import type {Page, PageRequest} from '../common/protocol/page';
import {fromCents, toCents, totalCents} from './money';
import {
  OrderNotFoundError,
  TransitionError,
  OpenOrdersLimitError,
  IdempotencyMismatchError,
} from './errors';
import {KeyedBatches, type BatchBounds} from './batches';
import {canTransition} from './status';

export interface StoredItem {
  product: string;
  quantity: number;
  priceCents: number;
}

/** An order as stored: money in integer cents, times as ISO strings. */
export interface OrderRecord {
  userId: string;
  items: StoredItem[];
  totalCents: number;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
}

export interface OrderFilter {
  userId?: string;
  statuses?: OrderStatus[];
}

/**
 * What a used key says: the order it made, the request it came with, and
 * that order as first created (absent from keys written before it was kept).
 */
export interface ClaimedBy {
  orderId: string;
  fingerprint: string;
  first?: OrderRecord;
}

/** The claim an Idempotency-Key leaves: written atomically with its order. */
export interface IdempotencyClaim {
  /** The key's hash: keys are opaque client strings, ids are not. */
  keyHash: string;
  /** Hash of the request the key was first used with. */
  fingerprint: string;
  /** When the claim may be deleted (a Firestore TTL policy can do it). */
  expireAt: Date;
}

/**
 * How many orders have a status, and their total in cents: a bigint, as
 * Firestore adds them up (int64), exact however many orders there are.
 */
export interface StatusTotal {
  status: OrderStatus;
  count: number;
  cents: bigint;
}

export interface OrderStats {
  totalOrders: number;
  /** The revenue in decimals, as a number: exact below 2^53 cents. */
  totalRevenue: number;
  /** The revenue in integer cents, as a string of digits: exact always. */
  totalRevenueCents: string;
  ordersByStatus: Record<OrderStatus, number>;
  averageOrderValue: number;
}

/** One new order as the store takes it: its record and, with a key, its claim. */
export interface NewOrder {
  record: OrderRecord;
  claim?: IdempotencyClaim;
}

/** What became of a new order: written, its key's order, or refused at the limit. */
export type Inserted = {id: string} | {claimedBy: ClaimedBy} | {full: true};

/** Where orders are kept. Every method is one atomic read or write. */
export interface OrderStore {
  list(filter: OrderFilter, page: PageRequest): Promise<Page<WithId>>;
  get(id: string): Promise<OrderRecord | undefined>;
  /**
   * Writes new orders of one user in one transaction (which gives up, with
   * a BusyError, rather than wait long on other requests' writes), each as
   * if after the ones before it: under a fresh id, and with its claim the
   * key's claim. When its key was claimed already (or by an order before
   * it), writes nothing for it and gives that claim's order id and
   * fingerprint; a claim past its `expireAt` counts as no claim (it is
   * replaced). When the user holds `maxOpen` open orders (status.ts
   * CANCELLABLE_STATUSES) already, writes nothing for it and gives
   * `{full: true}`. One result per order, in their order.
   */
  insertAll(orders: NewOrder[], maxOpen: number): Promise<Inserted[]>;
  /**
   * Reads the order, applies `change` and writes the result in one
   * transaction (`change` may run more than once); undefined when there is
   * no such order.
   */
  update(
    id: string,
    change: (current: OrderRecord) => Partial<OrderRecord>,
  ): Promise<OrderRecord | undefined>;
  /** Resolves to false when there was no such order. */
  delete(id: string): Promise<boolean>;
  /** Count and total of every status, including those with no order. */
  totalsByStatus(): Promise<StatusTotal[]>;
}

export type WithId = OrderRecord & {id: string};

/** Keys are kept a day, long enough for any client's retries. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The record of a new order: prices to cents, the total computed here. */
export function newOrderRecord(
  order: CreateOrder,
  status: OrderStatus,
  now: string,
): OrderRecord {
  const items = order.items.map(i => ({
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

/** An order as the API shows it: amounts in decimals, subtotals computed. */
export function toOrderView(id: string, record: OrderRecord): OrderView {
  return {
    id,
    userId: record.userId,
    items: record.items.map(i => ({
      product: i.product,
      quantity: i.quantity,
      price: fromCents(i.priceCents),
      subtotal: fromCents(i.quantity * i.priceCents),
    })),
    total: fromCents(record.totalCents),
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** What stats mean: every order counts; cancelled ones earn nothing. */
export function statsOf(totals: StatusTotal[]): OrderStats {
  const ordersByStatus = Object.fromEntries(
    totals.map(t => [t.status, t.count]),
  ) as Record<OrderStatus, number>;
  const earning = totals.filter(t => t.status !== 'cancelled');
  // In bigint: a sum of cents past 2^53 is no longer exact in a number.
  const revenueCents = earning.reduce((sum, t) => sum + t.cents, 0n);
  const earningCount = BigInt(earning.reduce((sum, t) => sum + t.count, 0));
  return {
    totalOrders: totals.reduce((sum, t) => sum + t.count, 0),
    totalRevenue: fromCents(Number(revenueCents)),
    totalRevenueCents: revenueCents.toString(),
    ordersByStatus,
    // Rounded half up to whole cents: (2a + b) / 2b.
    averageOrderValue:
      earningCount === 0n
        ? 0
        : fromCents(
            Number((2n * revenueCents + earningCount) / (2n * earningCount)),
          ),
  };
}

/** The order function's limits (settings.ts reads them from the environment). */
export interface OrderLimits {
  /** How many open (pending or processing) orders one user may hold. */
  maxOpenOrders: number;
}

/**
 * How one user's creates gather within an instance while a batch of them
 * is written: as many as one transaction writes at ease, none waiting
 * long, so that a burst is answered (created, replayed, or 429) well
 * within a request's budget; past a batch's worth, the refusal is at once.
 */
export const CREATE_BATCHES: BatchBounds = {maxWaiting: 50, maxWaitMs: 3000};

/**
 * What a create keeps of its request's budget for the transaction that
 * writes it (the store's retries included): it waits for its batch only
 * as long as the rest of the budget allows.
 */
export const CREATE_RESERVE_MS = 1500;

/** A create waiting for its batch: the store it came with, its order, and the limit. */
export interface PendingCreate extends NewOrder {
  store: OrderStore;
  maxOpen: number;
}

/**
 * Where an instance's creates gather, a batch per user (batches.ts),
 * written with the store of the first in each batch.
 */
export function createBatches(
  bounds: BatchBounds = CREATE_BATCHES,
): KeyedBatches<PendingCreate, Inserted> {
  return new KeyedBatches(
    (_userId, creates) =>
      creates[0].store.insertAll(
        creates.map(({record, claim}) => ({record, claim})),
        creates[0].maxOpen,
      ),
    bounds,
  );
}

/** The order function's use cases. */
export class Orders {
  /**
   * @param creates where creates gather into batches, one user's at a time:
   *   one per instance, shared by its requests (index.ts), since the use
   *   cases are built for each request.
   */
  constructor(
    private readonly store: OrderStore,
    private readonly limits: OrderLimits,
    private readonly now: () => Date = () => new Date(),
    private readonly creates = createBatches(),
  ) {}

  async list(filter: OrderFilter, page: PageRequest): Promise<Page<OrderView>> {
    const {items, nextCursor} = await this.store.list(filter, page);
    return {items: items.map(r => toOrderView(r.id, r)), nextCursor};
  }

  /** @throws OrderNotFoundError */
  async get(id: string): Promise<OrderView> {
    const record = await this.store.get(id);
    if (record === undefined) throw new OrderNotFoundError(id);
    return toOrderView(id, record);
  }

  /**
   * Creates a pending order. With `idempotencyKey`, a retry of the same
   * request returns the first answer (`created: false`): the order as it
   * was created, even if it changed or was deleted since, as payment APIs
   * replay a request.
   * @param deadline when the answer is due (ms since the epoch): the create
   * waits for its batch no longer than leaves it CREATE_RESERVE_MS.
   * @throws IdempotencyMismatchError when the key came with another request.
   * @throws OpenOrdersLimitError when the user holds as many open orders as
   * the limit allows (a replay is answered all the same).
   * @throws BusyError when the user's creates are more than this instance
   * takes at once (CREATE_BATCHES), or the store's transaction gave up.
   */
  async create(
    order: CreateOrder,
    idempotencyKey?: string,
    deadline = Infinity,
  ): Promise<{order: OrderView; created: boolean}> {
    const now = this.now();
    const record = newOrderRecord(order, 'pending', now.toISOString());
    const fingerprint = sha256Hex(JSON.stringify(order));
    const claim =
      idempotencyKey === undefined
        ? undefined
        : {
            keyHash: sha256Hex(idempotencyKey),
            fingerprint,
            expireAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
          };
    // One user's creates a batch at a time: each writes the user's count.
    const result = await this.creates.submit(
      order.userId,
      {record, claim, store: this.store, maxOpen: this.limits.maxOpenOrders},
      deadline - Date.now() - CREATE_RESERVE_MS,
    );
    if ('id' in result)
      return {order: toOrderView(result.id, record), created: true};
    if ('full' in result)
      throw new OpenOrdersLimitError(order.userId, this.limits.maxOpenOrders);
    if (result.claimedBy.fingerprint !== fingerprint)
      throw new IdempotencyMismatchError();
    const {orderId, first} = result.claimedBy;
    return {
      order:
        first === undefined
          ? await this.get(orderId)
          : toOrderView(orderId, first),
      created: false,
    };
  }

  /**
   * Moves an order along its lifecycle. `mayChange` sees the order as the
   * transaction read it; when it says no, the order is treated as missing.
   * @throws OrderNotFoundError, TransitionError
   */
  async changeStatus(
    id: string,
    to: OrderStatus,
    mayChange: (current: OrderRecord) => boolean = () => true,
  ): Promise<OrderView> {
    const updated = await this.store.update(id, current => {
      if (!mayChange(current)) throw new OrderNotFoundError(id);
      if (!canTransition(current.status, to))
        throw new TransitionError(current.status, to);
      return {status: to, updatedAt: this.now().toISOString()};
    });
    if (updated === undefined) throw new OrderNotFoundError(id);
    return toOrderView(id, updated);
  }

  /** @throws OrderNotFoundError */
  async delete(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw new OrderNotFoundError(id);
  }

  async stats(): Promise<OrderStats> {
    return statsOf(await this.store.totalsByStatus());
  }
}

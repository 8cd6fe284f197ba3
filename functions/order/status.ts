/**
 * The order lifecycle: pending -> processing -> shipped -> completed, and
 * pending or processing -> cancelled. Completed and cancelled are final.
 */
import type {OrderStatus} from './contract';

const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['completed'],
  completed: [],
  cancelled: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** The statuses an order in `from` may move to. */
export function nextStatuses(from: OrderStatus): readonly OrderStatus[] {
  return NEXT[from];
}

/**
 * What counts toward a user's open orders (MAX_OPEN_ORDERS): the statuses
 * an order can still be cancelled from (pending, processing). A shipped
 * order is still to be fulfilled (contract.ts's OPEN_STATUSES, which
 * keep a user from being deleted) but is no longer the user's to take back.
 */
export const CANCELLABLE_STATUSES = (Object.keys(NEXT) as OrderStatus[]).filter(
  from => canTransition(from, 'cancelled'),
);

/**
 * What the order use cases refuse, apart from HTTP: routes.ts says which
 * status each one is.
 */
import type {OrderStatus} from './contract';
import {nextStatuses} from './status';

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
    const allowed = nextStatuses(from);
    super(
      `An order that is ${from} cannot become ${to}. ${
        allowed.length > 0
          ? `It can become: ${allowed.join(', ')}.`
          : 'It is final.'
      }`,
    );
    this.name = 'TransitionError';
  }
}

export class OpenOrdersLimitError extends Error {
  constructor(
    readonly userId: string,
    readonly max: number,
  ) {
    super(
      `User ${userId} has ${max} open orders, as many as one user may have: complete or cancel one first.`,
    );
    this.name = 'OpenOrdersLimitError';
  }
}

export class IdempotencyMismatchError extends Error {
  constructor() {
    super('This Idempotency-Key was already used for a different order.');
    this.name = 'IdempotencyMismatchError';
  }
}

/**
 * Nothing was written, and trying again shortly may succeed: the user's
 * creates were more than this instance takes at once (queue.ts), or the
 * documents the change needs stayed contended (the store's transaction
 * gave up).
 */
export class BusyError extends Error {
  constructor(cause?: unknown) {
    super(
      "This user's orders are busy with other requests: try again shortly.",
      {cause},
    );
    this.name = 'BusyError';
  }
}

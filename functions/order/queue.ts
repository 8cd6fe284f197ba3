/**
 * Work on one key done one piece at a time within this instance, in the
 * order it came: the order function takes one user's creates so, since
 * each writes that user's count of open orders, and transactions that all
 * write one document wait on each other in Firestore (in the emulator they
 * stall, then abort one another). A queue that is full, or a wait that
 * runs out, is a BusyError at once: the caller is told to come back rather
 * than left waiting on a lock past its budget. Other keys never wait.
 */
import {BusyError} from './errors';

export interface QueueBounds {
  /** Pieces of work that may wait behind the running one, per key. */
  maxWaiting: number;
  /** How long one may wait for its turn, at most. */
  maxWaitMs: number;
}

/** One waiting piece of work: starts it, or is dropped when its wait ran out. */
interface Waiter {
  start(): void;
}

export class KeyedQueue {
  /** Per key with work running: what waits behind it, first first. */
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly bounds: QueueBounds) {}

  /**
   * Runs `work` once no other work of `key` runs here.
   * @param waitMs how long this piece may wait for its turn (what its
   *   request can spare), never longer than `maxWaitMs`.
   * @throws BusyError when `key` has `maxWaiting` waiting already, or the
   *   turn did not come in time; `work` then never runs.
   */
  async run<T>(
    key: string,
    work: () => Promise<T>,
    waitMs = this.bounds.maxWaitMs,
  ): Promise<T> {
    const queue = this.waiting.get(key);
    if (queue === undefined) this.waiting.set(key, []);
    else await this.turn(queue, Math.min(waitMs, this.bounds.maxWaitMs));
    try {
      return await work();
    } finally {
      this.next(key);
    }
  }

  /** How many keys have work running: none once all is done. */
  get busyKeys(): number {
    return this.waiting.size;
  }

  private turn(queue: Waiter[], waitMs: number): Promise<void> {
    if (queue.length >= this.bounds.maxWaiting || waitMs <= 0)
      return Promise.reject(new BusyError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(waiter), 1);
        reject(new BusyError());
      }, waitMs);
      queue.push(waiter);
    });
  }

  /** Hands `key` to the next waiting piece of work, or frees it. */
  private next(key: string): void {
    const queue = this.waiting.get(key);
    const waiter = queue?.shift();
    if (waiter === undefined) this.waiting.delete(key);
    else waiter.start();
  }
}

/**
 * Work on one key done a batch at a time within this instance: while one
 * batch of a key runs, what comes for that key waits, and goes together in
 * the next. The order function takes one user's creates so: each writes
 * that user's count of open orders, and transactions that all write one
 * document wait on each other in Firestore (in the emulator they stall,
 * then abort one another), where one transaction writing a batch of
 * orders costs about what one order does. A key with as many waiting as
 * a batch holds, or a wait that runs out, is a BusyError at once: the
 * caller is told to come back rather than left waiting past its budget.
 * Other keys never wait.
 */
import {BusyError} from './errors';

export interface BatchBounds {
  /** Items that may wait behind a running batch, per key: the largest batch. */
  maxWaiting: number;
  /** How long an item may wait for its batch, at most. */
  maxWaitMs: number;
}

/** An item waiting for its batch, with what settles it. */
interface Waiting<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
}

export class KeyedBatches<I, R> {
  /** Per key with a batch running: what waits for the next, first first. */
  private readonly waiting = new Map<string, Waiting<I, R>[]>();

  /**
   * @param run does the work of one batch of a key: one result per item,
   *   in the items' order (or a failure for all of them).
   */
  constructor(
    private readonly run: (key: string, items: I[]) => Promise<R[]>,
    private readonly bounds: BatchBounds,
  ) {}

  /**
   * `item`'s result, from the batch it goes in: at once when no batch of
   * `key` runs, else in the next one.
   * @param waitMs how long it may wait for its batch (what its request
   *   can spare), never longer than `maxWaitMs`.
   * @throws BusyError when `key` has `maxWaiting` waiting already, or its
   *   batch did not start in time; the item then is in none.
   */
  submit(key: string, item: I, waitMs = this.bounds.maxWaitMs): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const entry: Waiting<I, R> = {item, resolve, reject};
      const queue = this.waiting.get(key);
      if (queue === undefined) {
        this.waiting.set(key, []);
        this.start(key, [entry]);
        return;
      }
      const wait = Math.min(waitMs, this.bounds.maxWaitMs);
      if (queue.length >= this.bounds.maxWaiting || wait <= 0) {
        reject(new BusyError());
        return;
      }
      entry.timer = setTimeout(() => {
        queue.splice(queue.indexOf(entry), 1);
        reject(new BusyError());
      }, wait);
      queue.push(entry);
    });
  }

  /** How many keys have a batch running: none once all is done. */
  get busyKeys(): number {
    return this.waiting.size;
  }

  private start(key: string, batch: Waiting<I, R>[]): void {
    // Deferred, so that a run that throws at once fails its batch alike.
    Promise.resolve()
      .then(() =>
        this.run(
          key,
          batch.map(w => w.item),
        ),
      )
      .then(
        results => {
          this.next(key);
          batch.forEach((w, i) => w.resolve(results[i]));
        },
        (e: unknown) => {
          this.next(key);
          batch.forEach(w => w.reject(e));
        },
      );
  }

  /** Starts `key`'s next batch with all that waits, or frees the key. */
  private next(key: string): void {
    const queue = this.waiting.get(key) ?? [];
    if (queue.length === 0) {
      this.waiting.delete(key);
      return;
    }
    const batch = queue.splice(0);
    for (const w of batch) clearTimeout(w.timer);
    this.start(key, batch);
  }
}

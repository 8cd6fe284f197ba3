/**
 * KeyedBatches: one key's work a batch at a time, what came meanwhile
 * together in the next, in the order it came; other keys alongside; a key
 * with a batch's worth waiting, or a wait that runs out, refused with a
 * BusyError, the refused item in no batch.
 */
import {expect} from 'chai';
import {KeyedBatches} from '../../../../functions/order/batches';
import {BusyError} from '../../../../functions/order/errors';
import {rejectionOf} from '../../../fixtures/rejection';

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>(r => (open = r));
  return {open, opened};
}

/**
 * Batches whose runs are recorded, each answering its items doubled, the
 * first of them held until `held` opens.
 */
function recorded(bounds = {maxWaiting: 10, maxWaitMs: 10_000}) {
  const runs: [string, number[]][] = [];
  const held = gate();
  const batches = new KeyedBatches<number, number>(async (key, items) => {
    runs.push([key, items]);
    if (runs.length === 1) await held.opened;
    return items.map(i => i * 2);
  }, bounds);
  return {batches, runs, held};
}

describe('KeyedBatches', () => {
  it("runs a key's first item at once, and what came while it ran together next, in order", async () => {
    const {batches, runs, held} = recorded();
    const results = Promise.all([1, 2, 3, 4].map(i => batches.submit('u1', i)));
    await new Promise(r => setImmediate(r));
    expect(runs).to.deep.equal([['u1', [1]]]);
    held.open();
    expect(await results).to.deep.equal([2, 4, 6, 8]);
    expect(runs).to.deep.equal([
      ['u1', [1]],
      ['u1', [2, 3, 4]],
    ]);
    expect(batches.busyKeys).to.equal(0);
  });

  it('runs the batches of other keys alongside', async () => {
    const {batches, runs, held} = recorded();
    const first = batches.submit('u1', 1);
    expect(await batches.submit('u2', 2)).to.equal(4);
    expect(runs).to.deep.equal([
      ['u1', [1]],
      ['u2', [2]],
    ]);
    held.open();
    await first;
  });

  it('refuses an item at once, in no batch, when its key has a batch’s worth waiting', async () => {
    const {batches, runs, held} = recorded({maxWaiting: 2, maxWaitMs: 10_000});
    const served = [1, 2, 3].map(i => batches.submit('u1', i));
    await rejectionOf(batches.submit('u1', 4), BusyError);
    held.open();
    await Promise.all(served);
    expect(runs.flatMap(([, items]) => items)).to.deep.equal([1, 2, 3]);
    // Once it has room again, it takes items again.
    expect(await batches.submit('u1', 5)).to.equal(10);
  });

  it('refuses an item whose batch did not start in time, in no batch, and keeps the others', async () => {
    const {batches, runs, held} = recorded({maxWaiting: 10, maxWaitMs: 20});
    const first = batches.submit('u1', 1);
    await rejectionOf(batches.submit('u1', 2), BusyError);
    const third = batches.submit('u1', 3);
    held.open();
    expect(await Promise.all([first, third])).to.deep.equal([2, 6]);
    expect(runs).to.deep.equal([
      ['u1', [1]],
      ['u1', [3]],
    ]);
    expect(batches.busyKeys).to.equal(0);
  });

  it('refuses at once an item that may not wait at all, when it would have to', async () => {
    const {batches, runs, held} = recorded();
    const first = batches.submit('u1', 1, 0);
    await rejectionOf(batches.submit('u1', 2, 0), BusyError);
    held.open();
    expect(await first).to.equal(2);
    expect(runs).to.have.length(1);
  });

  it("fails a failed run's items, and goes on with the next batch", async () => {
    let calls = 0;
    const batches = new KeyedBatches<number, number>(
      async (_key, items) => {
        if (++calls === 1) throw new Error('store down');
        return items;
      },
      {maxWaiting: 10, maxWaitMs: 10_000},
    );
    const failing = batches.submit('u1', 1);
    const next = batches.submit('u1', 2);
    await rejectionOf(failing, Error);
    expect(await next).to.equal(2);
    expect(batches.busyKeys).to.equal(0);
  });
});

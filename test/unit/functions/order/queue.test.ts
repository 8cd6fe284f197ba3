/**
 * KeyedQueue: one key's work one piece at a time, in the order it came;
 * other keys alongside; a full queue or a wait that runs out refused with a
 * BusyError, the refused work never run.
 */
import {expect} from 'chai';
import {BusyError} from '../../../../functions/order/errors';
import {KeyedQueue} from '../../../../functions/order/queue';
import {rejectionOf} from '../../../fixtures/rejection';

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>(r => (open = r));
  return {open, opened};
}

/** Work that records when it starts and ends, and ends when its gate opens. */
function recorder() {
  const log: string[] = [];
  const work =
    (name: string, until: Promise<void> = Promise.resolve()) =>
    async () => {
      log.push(`start ${name}`);
      await until;
      log.push(`end ${name}`);
      return name;
    };
  return {log, work};
}

describe('KeyedQueue', () => {
  it("runs one key's work one piece at a time, in the order it came", async () => {
    const queue = new KeyedQueue({maxWaiting: 10, maxWaitMs: 10_000});
    const {log, work} = recorder();
    const first = gate();
    const results = Promise.all([
      queue.run('u1', work('a', first.opened)),
      queue.run('u1', work('b')),
      queue.run('u1', work('c')),
    ]);
    await new Promise(r => setImmediate(r));
    expect(log).to.deep.equal(['start a']);
    first.open();
    expect(await results).to.deep.equal(['a', 'b', 'c']);
    expect(log).to.deep.equal([
      'start a',
      'end a',
      'start b',
      'end b',
      'start c',
      'end c',
    ]);
    expect(queue.busyKeys).to.equal(0);
  });

  it('runs the work of other keys alongside', async () => {
    const queue = new KeyedQueue({maxWaiting: 10, maxWaitMs: 10_000});
    const {log, work} = recorder();
    const held = gate();
    const a = queue.run('u1', work('a', held.opened));
    const b = queue.run('u2', work('b'));
    expect(await b).to.equal('b');
    expect(log).to.deep.equal(['start a', 'start b', 'end b']);
    held.open();
    await a;
  });

  it('refuses work at once, unrun, when the key has as many waiting as it may', async () => {
    const queue = new KeyedQueue({maxWaiting: 2, maxWaitMs: 10_000});
    const {log, work} = recorder();
    const held = gate();
    const running = [
      queue.run('u1', work('a', held.opened)),
      queue.run('u1', work('b')),
      queue.run('u1', work('c')),
    ];
    await rejectionOf(queue.run('u1', work('d')), BusyError);
    held.open();
    await Promise.all(running);
    expect(log).not.to.include('start d');
    // Once it has room again, it takes work again.
    expect(await queue.run('u1', work('e'))).to.equal('e');
  });

  it('refuses work whose turn did not come in time, unrun, and keeps the order of the rest', async () => {
    const queue = new KeyedQueue({maxWaiting: 10, maxWaitMs: 20});
    const {log, work} = recorder();
    const held = gate();
    const a = queue.run('u1', work('a', held.opened));
    const late = queue.run('u1', work('b'));
    await rejectionOf(late, BusyError);
    const c = queue.run('u1', work('c'));
    held.open();
    expect(await Promise.all([a, c])).to.deep.equal(['a', 'c']);
    expect(log).to.deep.equal(['start a', 'end a', 'start c', 'end c']);
    expect(queue.busyKeys).to.equal(0);
  });

  it('passes on the turn when a piece of work fails', async () => {
    const queue = new KeyedQueue({maxWaiting: 10, maxWaitMs: 10_000});
    const failing = queue.run('u1', async () => {
      throw new Error('store down');
    });
    const next = queue.run('u1', async () => 'next');
    await rejectionOf(failing, Error);
    expect(await next).to.equal('next');
    expect(queue.busyKeys).to.equal(0);
  });
});

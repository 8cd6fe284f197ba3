/**
 * runTransaction: a transaction is tried again only when that may help
 * (contention, Firestore briefly unable), within its attempts and its time,
 * and anything else fails after one attempt. Over a stand-in for the
 * client's runTransaction that fails as told and counts its calls.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {
  mayRetryTransaction,
  runTransaction,
  TransactionGaveUpError,
} from '../../../../../functions/common/storage/firestore';
import {rejectionOf} from '../../../../fixtures/rejection';

const withCode = (code: number, message = `${code} CODE: m`) =>
  Object.assign(new Error(message), {code});

const ABORTED = withCode(10);
const UNKNOWN = withCode(2, '2 UNKNOWN: Application error processing RPC');
const INVALID_ARGUMENT = withCode(3);

/** A client whose attempts fail with `failures` in turn, then succeed with "done". */
function failingThen(...failures: Error[]) {
  const calls: {maxAttempts?: number}[] = [];
  const db = {
    runTransaction: async (
      update: (tx: unknown) => Promise<unknown>,
      options: {maxAttempts?: number},
    ) => {
      calls.push(options);
      const failure = failures[calls.length - 1];
      if (failure !== undefined) throw failure;
      return update({});
    },
  } as unknown as Firestore;
  return {db, calls};
}

describe('runTransaction', () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  beforeEach(() => (waits.length = 0));

  it('makes one attempt per call of the client, which itself retries nothing', async () => {
    const {db, calls} = failingThen();
    expect(await runTransaction(db, async () => 'done', {sleep})).to.equal(
      'done',
    );
    expect(calls).to.deep.equal([{maxAttempts: 1}]);
  });

  it('tries a transaction that lost to another again, after a short randomized wait', async () => {
    const {db, calls} = failingThen(ABORTED, withCode(409), withCode(14));
    expect(await runTransaction(db, async () => 'done', {sleep})).to.equal(
      'done',
    );
    expect(calls).to.have.length(4);
    expect(waits).to.have.length(3);
    // Growing: each wait at least the last one's lower bound doubled.
    waits.forEach((ms, i) => expect(ms).to.be.at.least(25 * 2 ** i));
  });

  it('gives up after its attempts, naming the last failure as the cause', async () => {
    const {db, calls} = failingThen(ABORTED, ABORTED, ABORTED, ABORTED);
    const e = await rejectionOf(
      runTransaction(db, async () => 'done', {attempts: 3, sleep}),
      TransactionGaveUpError,
    );
    expect(calls).to.have.length(3);
    expect(e.cause).to.equal(ABORTED);
  });

  it('starts no attempt after its time is up', async () => {
    const {db, calls} = failingThen(ABORTED, ABORTED);
    await rejectionOf(
      runTransaction(db, async () => 'done', {until: Date.now(), sleep}),
      TransactionGaveUpError,
    );
    expect(calls).to.have.length(1);
    expect(waits).to.deep.equal([]);
  });

  const final: [string, Error][] = [
    ['UNKNOWN (the emulator, to a string that is not UTF-8)', UNKNOWN],
    ['INVALID_ARGUMENT', INVALID_ARGUMENT],
    ['FAILED_PRECONDITION', withCode(9)],
    ['PERMISSION_DENIED', withCode(7)],
    ['an error of the update itself', new Error('order not found')],
  ];
  final.forEach(([name, error]) =>
    it(`fails at once, with the error itself, on ${name}`, async () => {
      const {db, calls} = failingThen(error);
      const e = await rejectionOf(
        runTransaction(db, async () => 'done', {sleep}),
        Error,
      );
      expect(e).to.equal(error);
      expect(calls).to.have.length(1);
      expect(waits).to.deep.equal([]);
    }),
  );

  it('tells what may succeed again from what may not', () => {
    for (const code of [10, 409, 4, 8, 13, 14])
      expect(mayRetryTransaction(withCode(code)), String(code)).to.equal(true);
    for (const code of [1, 2, 3, 5, 6, 7, 9, 11, 12, 15, 16])
      expect(mayRetryTransaction(withCode(code)), String(code)).to.equal(false);
    // INVALID_ARGUMENT worth a retry: about the transaction, not its data.
    for (const message of [
      '3 INVALID_ARGUMENT: The referenced transaction has expired or is no longer valid.',
      '3 INVALID_ARGUMENT: Transaction is invalid or expired.',
      '3 INVALID_ARGUMENT: Transaction is invalid or closed.',
    ])
      expect(mayRetryTransaction(withCode(3, message)), message).to.equal(true);
    expect(mayRetryTransaction(new Error('no code'))).to.equal(false);
  });
});

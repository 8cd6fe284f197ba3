/**
 * The Firestore user store when a write cannot simply succeed, on the
 * emulator: a failure that is not a conflict is not reported as a taken
 * email or id, and of concurrent deletes of one user exactly one deletes
 * it, the others finding it gone: also when the other delete lands between
 * one's read and its write.
 */
import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {
  DuplicateEmailError,
  DuplicateIdError,
} from '../../../../functions/user/domain';
import {
  FirestoreUserStore,
  USER_EMAILS,
  USERS,
} from '../../../../functions/user/store';
import {isolatedFirestore} from '../../../fixtures/emulator';
import {rejectionOf} from '../../../fixtures/rejection';

const AT = '2026-02-03T04:05:06.000Z';
const user = (n: number) => ({
  name: `U${n}`,
  email: `u${n}@example.com`,
  role: 'viewer' as const,
  createdAt: AT,
});

describe('FirestoreUserStore: failures', () => {
  let db: Firestore;
  let store: FirestoreUserStore;
  beforeEach(() => {
    db = isolatedFirestore();
    store = new FirestoreUserStore(db);
  });
  afterEach(() => db.terminate());

  it('passes on a failure that is not a conflict as it is', async () => {
    const closed = isolatedFirestore();
    await closed.terminate();
    const error = await new FirestoreUserStore(closed)
      .create(user(1), 'uid-1')
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect(error).not.to.be.instanceOf(DuplicateEmailError);
    expect(error).not.to.be.instanceOf(DuplicateIdError);
  });

  it('passes on a write the database refuses for another reason than a conflict', async () => {
    // Over Firestore's 1 MiB a document: refused when the batch commits.
    const huge = {...user(1), name: 'n'.repeat(1_100_000)};
    for (const id of ['uid-1', undefined]) {
      const error = await store.create(huge, id).catch((e: unknown) => e);
      expect(error, String(id)).to.be.instanceOf(Error);
      expect(error, String(id)).not.to.be.instanceOf(DuplicateEmailError);
      expect(error, String(id)).not.to.be.instanceOf(DuplicateIdError);
    }
    expect((await db.collection(USERS).get()).size).to.equal(0);
    expect((await db.collection(USER_EMAILS).get()).size).to.equal(0);
  });

  it('finds a user gone when another delete lands between its read and its write', async () => {
    await store.create(user(1), 'u1');
    // The other delete runs whole just before this one's batch commits.
    const batchOf = db.batch.bind(db);
    let raced = false;
    db.batch = () => {
      const batch = batchOf();
      const commit = batch.commit.bind(batch);
      batch.commit = async () => {
        if (!raced) {
          raced = true;
          expect(await new FirestoreUserStore(db).delete('u1')).to.equal(true);
        }
        return commit();
      };
      return batch;
    };
    expect(await store.delete('u1')).to.equal(false);
    expect(raced).to.equal(true);
    expect((await db.collection(USERS).get()).size).to.equal(0);
    expect((await db.collection(USER_EMAILS).get()).size).to.equal(0);
  });

  it('passes on a failure of a delete that is not the user being gone', async () => {
    const closing = isolatedFirestore();
    const closingStore = new FirestoreUserStore(closing);
    await closingStore.create(user(1), 'u1');
    // The client closes between the delete's read and its write.
    const batchOf = closing.batch.bind(closing);
    closing.batch = () => {
      const batch = batchOf();
      const commit = batch.commit.bind(batch);
      batch.commit = async () => {
        await closing.terminate();
        return commit();
      };
      return batch;
    };
    await rejectionOf(closingStore.delete('u1'), Error);
  });

  it('deletes a user once when deletes of it race, with its email claim', async () => {
    const ids = ['r1', 'r2', 'r3', 'r4', 'r5'];
    await Promise.all(ids.map((id, n) => store.create(user(n), id)));
    const results = await Promise.all(
      ids.flatMap(id => [store.delete(id), store.delete(id)]),
    );
    for (let i = 0; i < ids.length; i++)
      expect([results[2 * i], results[2 * i + 1]].sort(), ids[i]).to.deep.equal(
        [false, true],
      );
    expect((await db.collection(USERS).get()).size).to.equal(0);
    expect((await db.collection(USER_EMAILS).get()).size).to.equal(0);
  });
});

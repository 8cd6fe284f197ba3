/**
 * The Firestore user store when a write cannot simply succeed, on the
 * emulator: a failure that is not a conflict is not reported as a taken
 * email or id, and of concurrent deletes of one user exactly one deletes
 * it, the others finding it gone.
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

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
import {StoredDataError} from '../../../../functions/common/storage/firestore';
import {isolatedFirestore} from '../../../fixtures/emulator';
import {rejectionOf} from '../../../fixtures/rejection';

const AT = '2026-02-03T04:05:06.000Z';

describe('FirestoreUserStore', () => {
  let db: Firestore;
  let store: FirestoreUserStore;
  beforeEach(() => {
    db = isolatedFirestore();
    store = new FirestoreUserStore(db);
  });
  afterEach(() => db.terminate());

  it('refuses to read a stored user of another shape, naming the document', async () => {
    await db.collection(USERS).doc('u-bad').set({name: 'Eve', role: 'root'});
    const e = await rejectionOf(store.get('u-bad'), StoredDataError);
    expect(e.path).to.equal(`${USERS}/u-bad`);
    await rejectionOf(store.list({limit: 10}), StoredDataError);
  });

  it('creates a user with a random id and finds it', async () => {
    const user = await store.create({
      name: 'Dana',
      email: 'dana@example.com',
      role: 'viewer',
      createdAt: AT,
    });
    expect(user.id).to.match(/^[A-Za-z0-9]{20}$/);
    expect(await store.get(user.id)).to.deep.equal(user);
  });

  it("creates a user under a chosen id (an end user's uid) once, telling a taken id from a taken email", async () => {
    const dana = {
      name: 'Dana',
      email: 'dana@example.com',
      role: 'viewer' as const,
      createdAt: AT,
    };
    const user = await store.create(dana, 'uid-dana');
    expect(user.id).to.equal('uid-dana');
    expect(await store.get('uid-dana')).to.deep.equal(user);
    const again = await rejectionOf(
      store.create({...dana, email: 'other@example.com'}, 'uid-dana'),
      DuplicateIdError,
    );
    expect(again.id).to.equal('uid-dana');
    await rejectionOf(store.create(dana, 'uid-other'), DuplicateEmailError);
    // Neither refusal wrote anything.
    expect((await db.collection(USERS).get()).size).to.equal(1);
    expect((await db.collection(USER_EMAILS).get()).size).to.equal(1);
  });

  it('refuses a second user with the same email, whatever its case, writing nothing', async () => {
    await store.create({
      name: 'Dana',
      email: 'dana@example.com',
      role: 'viewer',
      createdAt: AT,
    });
    await rejectionOf(
      store.create({
        name: 'Other',
        email: ' DANA@Example.com',
        role: 'admin',
        createdAt: AT,
      }),
      DuplicateEmailError,
    );
    expect((await db.collection(USERS).get()).size).to.equal(1);
  });

  it('frees the email when the user is deleted', async () => {
    const user = await store.create({
      name: 'Dana',
      email: 'dana@example.com',
      role: 'viewer',
      createdAt: AT,
    });
    expect(await store.delete(user.id)).to.equal(true);
    expect(await store.delete(user.id)).to.equal(false);
    expect((await db.collection(USER_EMAILS).get()).size).to.equal(0);
    await store.create({
      name: 'Dana again',
      email: 'dana@example.com',
      role: 'viewer',
      createdAt: AT,
    });
  });

  it('pages through users', async () => {
    for (const n of [1, 2, 3])
      await store.create({
        name: `U${n}`,
        email: `u${n}@example.com`,
        role: 'viewer',
        createdAt: AT,
      });
    const first = await store.list({limit: 2});
    const second = await store.list({limit: 2, cursor: first.nextCursor});
    expect(first.items).to.have.length(2);
    expect(second.items).to.have.length(1);
    expect(second.nextCursor).to.equal(undefined);
  });

  it('seeds users under their ids with their email claims, leaving existing ones alone', async () => {
    const seed = {
      'user-x': {
        name: 'X',
        email: 'x@example.com',
        role: 'viewer' as const,
        createdAt: AT,
      },
    };
    await store.seed(seed);
    const changed = {...seed['user-x'], name: 'Changed'};
    await db.collection(USERS).doc('user-x').set(changed);
    await store.seed(seed);
    expect(await store.get('user-x')).to.deep.equal({id: 'user-x', ...changed});
    await rejectionOf(
      store.create({...seed['user-x'], email: 'X@example.com'}),
      DuplicateEmailError,
    );
  });
});

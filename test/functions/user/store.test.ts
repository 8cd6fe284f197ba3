import {expect} from 'chai';
import type {Firestore} from '@google-cloud/firestore';
import {
  DuplicateEmailError,
  FirestoreUserStore,
  USER_EMAILS,
  USERS,
} from '../../../functions/user/store';
import {isolatedFirestore} from '../../fixtures/emulator';
import {rejectionOf} from '../../fixtures/rejection';

describe('FirestoreUserStore', () => {
  let db: Firestore;
  let store: FirestoreUserStore;
  beforeEach(() => {
    db = isolatedFirestore();
    store = new FirestoreUserStore(db);
  });
  afterEach(() => db.terminate());

  it('creates a user with a random id and finds it', async () => {
    const user = await store.create({
      name: 'Dana',
      email: 'dana@example.com',
      role: 'viewer',
    });
    expect(user.id).to.match(/^[A-Za-z0-9]{20}$/);
    expect(await store.get(user.id)).to.deep.equal(user);
  });

  it('refuses a second user with the same email, whatever its case, writing nothing', async () => {
    await store.create({
      name: 'Dana',
      email: 'dana@example.com',
      role: 'viewer',
    });
    await rejectionOf(
      store.create({name: 'Other', email: 'DANA@Example.com', role: 'admin'}),
      DuplicateEmailError,
    );
    expect((await db.collection(USERS).get()).size).to.equal(1);
  });

  it('frees the email when the user is deleted', async () => {
    const user = await store.create({
      name: 'Dana',
      email: 'dana@example.com',
      role: 'viewer',
    });
    expect(await store.delete(user.id)).to.equal(true);
    expect(await store.delete(user.id)).to.equal(false);
    expect((await db.collection(USER_EMAILS).get()).size).to.equal(0);
    await store.create({
      name: 'Dana again',
      email: 'dana@example.com',
      role: 'viewer',
    });
  });

  it('pages through users', async () => {
    for (const n of [1, 2, 3])
      await store.create({
        name: `U${n}`,
        email: `u${n}@example.com`,
        role: 'viewer',
      });
    const first = await store.list({limit: 2});
    const second = await store.list({limit: 2, cursor: first.nextCursor});
    expect(first.items).to.have.length(2);
    expect(second.items).to.have.length(1);
    expect(second.nextCursor).to.equal(undefined);
  });
});

/** The user use cases over an in-memory store: the rules, without Firestore. */
import {expect} from 'chai';
import * as sinon from 'sinon';
import type {
  Page,
  PageRequest,
} from '../../../../functions/common/protocol/page';
import {
  DuplicateEmailError,
  DuplicateIdError,
  normalEmail,
  OpenOrdersError,
  UserNotFoundError,
  Users,
  type User,
  type UserStore,
} from '../../../../functions/user/domain';
import {rejectionOf} from '../../../fixtures/rejection';

const NOW = new Date('2026-03-04T05:06:07.000Z');
const DANA = {name: 'Dana', email: 'dana@example.com', role: 'viewer' as const};

/** Keeps users in a map; `deleteFinds` says what delete reports. */
class MemoryUserStore implements UserStore {
  readonly users = new Map<string, User>();
  deleteFinds = true;
  async list(page: PageRequest): Promise<Page<User>> {
    return {items: [...this.users.values()].slice(0, page.limit)};
  }
  async get(id: string) {
    return this.users.get(id);
  }
  async create(user: Omit<User, 'id'>, id?: string) {
    const created = {id: id ?? `u${this.users.size + 1}`, ...user};
    this.users.set(created.id, created);
    return created;
  }
  async delete(id: string) {
    return this.users.delete(id) && this.deleteFinds;
  }
}

describe('Users (the user domain)', () => {
  let store: MemoryUserStore;
  let users: Users;
  beforeEach(() => {
    store = new MemoryUserStore();
    users = new Users(store, () => NOW);
  });

  it('creates a user stamped with the time it was created', async () => {
    const user = await users.create(DANA);
    expect(user).to.deep.equal({
      id: 'u1',
      ...DANA,
      createdAt: NOW.toISOString(),
    });
    expect(await users.get('u1')).to.deep.equal(user);
  });

  it('lists what the store lists', async () => {
    await users.create(DANA);
    expect((await users.list({limit: 5})).items).to.have.length(1);
  });

  it('reports a missing user by id', async () => {
    const e = await rejectionOf(users.get('nope'), UserNotFoundError);
    expect(e.id).to.equal('nope');
    expect(e.message).to.include('nope');
  });

  it('deletes a user without open orders, asking about that user', async () => {
    const {id} = await users.create(DANA);
    const hasOpenOrders = sinon.stub().resolves(false);
    await users.delete(id, hasOpenOrders);
    expect(hasOpenOrders.calledOnceWithExactly(id)).to.equal(true);
    expect(store.users.has(id)).to.equal(false);
  });

  it('keeps a user with open orders', async () => {
    const {id} = await users.create(DANA);
    const e = await rejectionOf(
      users.delete(id, async () => true),
      OpenOrdersError,
    );
    expect(e.id).to.equal(id);
    expect(e.message).to.include(id);
    expect(store.users.has(id)).to.equal(true);
  });

  it('does not ask about the orders of a user that does not exist', async () => {
    const hasOpenOrders = sinon.stub().resolves(false);
    await rejectionOf(users.delete('nope', hasOpenOrders), UserNotFoundError);
    expect(hasOpenOrders.called).to.equal(false);
  });

  it('reports a user deleted by someone else meanwhile as missing', async () => {
    const {id} = await users.create(DANA);
    store.deleteFinds = false;
    await rejectionOf(
      users.delete(id, async () => false),
      UserNotFoundError,
    );
  });

  it('treats emails that differ only in case or surrounding space as one', () => {
    expect(normalEmail(' Dana@Example.COM ')).to.equal('dana@example.com');
  });

  it('creates a user under the id given (an end user’s uid)', async () => {
    expect((await users.create(DANA, 'uid-1')).id).to.equal('uid-1');
    expect(store.users.has('uid-1')).to.equal(true);
  });

  it('stamps a user with the clock’s time by default', async () => {
    const clock = sinon.useFakeTimers({now: NOW, toFake: ['Date']});
    try {
      const user = await new Users(store).create(DANA);
      expect(user.createdAt).to.equal(NOW.toISOString());
    } finally {
      clock.restore();
    }
  });
});

describe('user errors', () => {
  it('are named for their class, so logs and stacks say which refusal it was', () => {
    for (const e of [
      new UserNotFoundError('u1'),
      new DuplicateEmailError(),
      new DuplicateIdError('u1'),
      new OpenOrdersError('u1'),
    ]) {
      expect(e).to.be.instanceOf(Error);
      expect(e.name).to.equal(e.constructor.name);
      expect(String(e)).to.match(new RegExp(`^${e.constructor.name}: .+`));
    }
  });

  it('a second profile for one id names the id', () => {
    const e = new DuplicateIdError('uid-9');
    expect(e.id).to.equal('uid-9');
    expect(e.message).to.include('uid-9');
  });
});

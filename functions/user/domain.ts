/**
 * The user function's rules, apart from HTTP and Firestore: an email names
 * at most one user (whatever its case), and a user with orders still to be
 * fulfilled cannot be deleted. Routes call these use cases; the store
 * behind the UserStore port only reads and writes.
 */
import type {Page, PageRequest} from '../common/protocol/page';
import type {Role} from './contract';

export interface NewUser {
  name: string;
  email: string;
  role: Role;
}

export interface User extends NewUser {
  id: string;
  createdAt: string;
}

/** Where users are kept. */
export interface UserStore {
  list(page: PageRequest): Promise<Page<User>>;
  get(id: string): Promise<User | undefined>;
  /**
   * Writes the user (under `id`, else a new id) and claims its email (by
   * `emailKey`) in one write.
   * @throws DuplicateEmailError when the email is claimed already,
   *   DuplicateIdError when a user with `id` exists.
   */
  create(user: Omit<User, 'id'>, id?: string): Promise<User>;
  /** Resolves to false when there was no such user. */
  delete(id: string): Promise<boolean>;
}

export class UserNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`User ${id} not found.`);
    this.name = 'UserNotFoundError';
  }
}

export class DuplicateEmailError extends Error {
  constructor() {
    super('A user with this email already exists.');
    this.name = 'DuplicateEmailError';
  }
}

export class DuplicateIdError extends Error {
  constructor(readonly id: string) {
    super(`User ${id} already has a profile.`);
    this.name = 'DuplicateIdError';
  }
}

export class OpenOrdersError extends Error {
  constructor(readonly id: string) {
    super(`User ${id} has orders that are not completed or cancelled.`);
    this.name = 'OpenOrdersError';
  }
}

/** The form of an email that decides whether two are the same. */
export function normalEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The user function's use cases. */
export class Users {
  constructor(
    private readonly store: UserStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(page: PageRequest): Promise<Page<User>> {
    return this.store.list(page);
  }

  /** @throws UserNotFoundError */
  async get(id: string): Promise<User> {
    const user = await this.store.get(id);
    if (user === undefined) throw new UserNotFoundError(id);
    return user;
  }

  /**
   * Creates a user, under `id` when given (an end user's profile is kept
   * under their uid).
   * @throws DuplicateEmailError, DuplicateIdError
   */
  create(user: NewUser, id?: string): Promise<User> {
    return this.store.create(
      {...user, createdAt: this.now().toISOString()},
      id,
    );
  }

  /**
   * Deletes a user who has no open orders; `hasOpenOrders` asks whoever
   * keeps them (the order function).
   * @throws UserNotFoundError, OpenOrdersError
   */
  async delete(
    id: string,
    hasOpenOrders: (userId: string) => Promise<boolean>,
  ): Promise<void> {
    await this.get(id);
    if (await hasOpenOrders(id)) throw new OpenOrdersError(id);
    if (!(await this.store.delete(id))) throw new UserNotFoundError(id);
  }
}

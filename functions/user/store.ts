/**
 * Users in Firestore: the UserStore port of domain.ts and nothing more.
 * Emails are unique through a second collection whose document ids are the
 * emails' hashes, so claiming one is a create that fails when it is taken.
 */
import type {Firestore} from '@google-cloud/firestore';
import {z} from 'zod';
import {
  ALREADY_EXISTS,
  converterFor,
  createIfMissing,
  hasCode,
  NOT_FOUND,
  pageOf,
} from '../common/storage/firestore';
import {sha256Hex} from '../common/platform/hash';
import type {Page, PageRequest} from '../common/protocol/page';
import {ROLES} from './contract';
import {
  DuplicateEmailError,
  DuplicateIdError,
  normalEmail,
  type User,
  type UserStore,
} from './domain';

export const USERS = 'users';
/** One document per email (id: the hash of its normal form), naming its user. */
export const USER_EMAILS = 'userEmails';

export function emailKey(email: string): string {
  return sha256Hex(normalEmail(email));
}

/** A user's document: the user but its id, which is the document's. */
const storedUser = converterFor<Omit<User, 'id'>>(
  z.object({
    name: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    createdAt: z.string(),
  }),
);

/** An email's claim: the user it belongs to. */
const emailClaim = converterFor<{userId: string}>(
  z.object({userId: z.string()}),
);

function toUser(id: string, data: Omit<User, 'id'>): User {
  return {id, ...data};
}

export class FirestoreUserStore implements UserStore {
  constructor(private readonly db: Firestore) {}

  private get users() {
    return this.db.collection(USERS).withConverter(storedUser);
  }

  private emailRef(email: string) {
    return this.db
      .collection(USER_EMAILS)
      .withConverter(emailClaim)
      .doc(emailKey(email));
  }

  list(page: PageRequest): Promise<Page<User>> {
    return pageOf(this.users, page, toUser);
  }

  async get(id: string): Promise<User | undefined> {
    const data = (await this.users.doc(id).get()).data();
    return data === undefined ? undefined : toUser(id, data);
  }

  async create(user: Omit<User, 'id'>, id?: string): Promise<User> {
    const ref = id === undefined ? this.users.doc() : this.users.doc(id);
    // One atomic batch: the user and its email claim are written together
    // or not at all, and a taken email fails the whole batch.
    const batch = this.db.batch();
    batch.create(this.emailRef(user.email), {userId: ref.id});
    batch.create(ref, user);
    try {
      await batch.commit();
    } catch (e: unknown) {
      if (!hasCode(e, ALREADY_EXISTS)) throw e;
      // The batch does not say which create failed; a chosen id is the
      // likelier one (a second try at the same profile).
      if (id !== undefined && (await ref.get()).exists)
        throw new DuplicateIdError(id);
      throw new DuplicateEmailError();
    }
    return toUser(ref.id, user);
  }

  async delete(id: string): Promise<boolean> {
    const ref = this.users.doc(id);
    const user = (await ref.get()).data();
    if (user === undefined) return false;
    const batch = this.db.batch();
    batch.delete(ref, {exists: true});
    batch.delete(this.emailRef(user.email));
    try {
      await batch.commit();
    } catch (e: unknown) {
      // Deleted by a concurrent request between our read and our write.
      if (hasCode(e, NOT_FOUND)) return false;
      throw e;
    }
    return true;
  }

  /** Writes the users and their email claims, leaving any that exist as they are. */
  async seed(users: Record<string, Omit<User, 'id'>>): Promise<void> {
    await Promise.all(
      Object.entries(users).flatMap(([id, user]) => [
        createIfMissing(this.users.doc(id), user),
        createIfMissing(this.emailRef(user.email), {userId: id}),
      ]),
    );
  }
}

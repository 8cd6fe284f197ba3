/**
 * Where users live. The routes see only the UserStore port; Firestore is one
 * implementation of it.
 */
import {createHash} from 'node:crypto';
import type {Firestore} from '@google-cloud/firestore';
import {
  ALREADY_EXISTS,
  hasCode,
  NOT_FOUND,
  pageOf,
  type Page,
} from '../common/firestore';

export const ROLES = ['admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface NewUser {
  name: string;
  email: string;
  role: Role;
}

export interface User extends NewUser {
  id: string;
  createdAt: string;
}

export class DuplicateEmailError extends Error {
  constructor() {
    super('A user with this email already exists.');
    this.name = 'DuplicateEmailError';
  }
}

export interface UserStore {
  list(page: {limit: number; cursor?: string}): Promise<Page<User>>;
  get(id: string): Promise<User | undefined>;
  /** @throws DuplicateEmailError when the email is taken. */
  create(user: NewUser): Promise<User>;
  /** Resolves to false when there was no such user. */
  delete(id: string): Promise<boolean>;
}

export const USERS = 'users';
/** One document per email (id: its hash), so uniqueness is a create that can fail. */
export const USER_EMAILS = 'userEmails';

export function emailKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

function toUser(id: string, data: FirebaseFirestore.DocumentData): User {
  return {
    id,
    name: data.name,
    email: data.email,
    role: data.role,
    createdAt: data.createdAt,
  };
}

export class FirestoreUserStore implements UserStore {
  constructor(private readonly db: Firestore) {}

  list(page: {limit: number; cursor?: string}): Promise<Page<User>> {
    return pageOf(this.db.collection(USERS), page, toUser);
  }

  async get(id: string): Promise<User | undefined> {
    const doc = await this.db.collection(USERS).doc(id).get();
    return doc.exists ? toUser(doc.id, doc.data()!) : undefined;
  }

  async create(user: NewUser): Promise<User> {
    const ref = this.db.collection(USERS).doc();
    const stored = {...user, createdAt: new Date().toISOString()};
    // One atomic batch: the user and its email claim are written together
    // or not at all, and a taken email fails the whole batch.
    const batch = this.db.batch();
    batch.create(this.db.collection(USER_EMAILS).doc(emailKey(user.email)), {
      userId: ref.id,
    });
    batch.create(ref, stored);
    try {
      await batch.commit();
    } catch (e: unknown) {
      if (hasCode(e, ALREADY_EXISTS)) throw new DuplicateEmailError();
      throw e;
    }
    return toUser(ref.id, stored);
  }

  async delete(id: string): Promise<boolean> {
    const ref = this.db.collection(USERS).doc(id);
    const doc = await ref.get();
    if (!doc.exists) return false;
    const batch = this.db.batch();
    batch.delete(ref, {exists: true});
    batch.delete(
      this.db.collection(USER_EMAILS).doc(emailKey(doc.get('email'))),
    );
    try {
      await batch.commit();
    } catch (e: unknown) {
      // Deleted by a concurrent request between our read and our write.
      if (hasCode(e, NOT_FOUND)) return false;
      throw e;
    }
    return true;
  }
}

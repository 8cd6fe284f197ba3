/**
 * The seed data of the original demo, loaded into Firestore: the users
 * into the database of the function that keeps them, the orders into
 * order's, as the topology says. Loading is idempotent: a document that
 * exists is left as it is, so restarting the stack does not undo changes
 * made to the seed orders.
 */
import type {Firestore} from '@google-cloud/firestore';
import type {Topology} from '../scripts/topology';
import type {CreateOrder, OrderStatus} from '../functions/order/contract';
import {newOrderRecord} from '../functions/order/domain';
import {FirestoreOrderStore} from '../functions/order/store';
import type {NewUser} from '../functions/user/domain';
import {FirestoreUserStore} from '../functions/user/store';
import {emulatorFirestore} from './firestore-emulator';
import {newPassword, type SeedAccount} from './identity-toolkit';

export const SEED_USERS: Record<string, NewUser> = {
  'user-001': {
    name: 'Alice Johnson',
    email: 'alice@example.com',
    role: 'admin',
  },
  'user-002': {name: 'Bob Smith', email: 'bob@example.com', role: 'developer'},
  'user-003': {
    name: 'Carol Williams',
    email: 'carol@example.com',
    role: 'viewer',
  },
};

/** The seed users who are admins: the custom claim `role: "admin"` on their accounts. */
const SEED_ADMINS = new Set(['user-001']);

/**
 * A sign-in account for each seed user, under the same uid, with a new
 * password each time (they are local-only, and printed by `npm start`).
 */
export function seedAccounts(): SeedAccount[] {
  return Object.entries(SEED_USERS).map(([uid, user]) => ({
    uid,
    email: user.email,
    password: newPassword(),
    claims: SEED_ADMINS.has(uid) ? {role: 'admin'} : {},
  }));
}

/** An order of the seed data: its user, its status, its items as [product, quantity, price]. */
function seedOrder(
  userId: string,
  status: OrderStatus,
  ...items: [string, number, number][]
): CreateOrder & {status: OrderStatus} {
  const lines = items.map(([product, quantity, price]) => ({
    product,
    quantity,
    price,
  }));
  return {userId, items: lines, status};
}

export const SEED_ORDERS: Record<string, CreateOrder & {status: OrderStatus}> =
  {
    'order-001': seedOrder(
      'user-001',
      'completed',
      ['Widget A', 2, 29.99],
      ['Widget B', 1, 49.99],
    ),
    'order-002': seedOrder('user-002', 'processing', ['Gadget X', 1, 199.99]),
    'order-003': seedOrder(
      'user-001',
      'pending',
      ['Widget C', 3, 15.99],
      ['Accessory D', 2, 9.99],
    ),
    'order-004': seedOrder('user-003', 'shipped', [
      'Premium Package',
      1,
      499.99,
    ]),
  };

const SEEDED_AT = '2026-01-01T00:00:00.000Z';

/** Writes the seed users and orders that are not there yet, each into the database given. */
export async function loadSeed(into: {
  users?: Firestore;
  orders?: Firestore;
}): Promise<void> {
  const each = <T, U>(records: Record<string, T>, f: (t: T) => U) =>
    Object.fromEntries(Object.entries(records).map(([id, r]) => [id, f(r)]));
  await Promise.all([
    into.users &&
      new FirestoreUserStore(into.users).seed(
        each(SEED_USERS, user => ({...user, createdAt: SEEDED_AT})),
      ),
    into.orders &&
      new FirestoreOrderStore(into.orders).seed(
        each(SEED_ORDERS, ({status, ...order}) =>
          newOrderRecord(order, status, SEEDED_AT),
        ),
      ),
  ]);
}

/** A project of the emulator with the seed data in its functions' databases. */
export interface SeededProject {
  /** The client of the database that keeps `collection`. */
  holding(collection: string): Firestore;
  terminate(): Promise<void>;
}

/**
 * Opens, in the emulator at `firestoreHost`, each database of `topology`
 * for `projectId`, and loads the seed data into the ones that keep users
 * and orders.
 */
export async function seededEmulatorProject(
  projectId: string,
  firestoreHost: string,
  topology: Topology,
): Promise<SeededProject> {
  // One client per database, found by each collection it keeps.
  const databases: Firestore[] = [];
  const clients = new Map<string, Firestore>();
  for (const f of topology.declared) {
    if (f.firestore === undefined) continue;
    const db = emulatorFirestore(
      projectId,
      firestoreHost,
      f.firestore.database,
    );
    databases.push(db);
    for (const collection of f.firestore.collections)
      clients.set(collection, db);
  }
  const holding = (collection: string) => {
    const db = clients.get(collection);
    if (db === undefined)
      throw new Error(`No function of the topology keeps "${collection}"`);
    return db;
  };
  await loadSeed({users: holding('users'), orders: holding('orders')});
  return {
    holding,
    terminate: async () => {
      await Promise.all(databases.map(db => db.terminate()));
    },
  };
}

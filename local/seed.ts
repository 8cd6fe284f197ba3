/**
 * The seed data of the seed document, loaded into Firestore. Loading is
 * idempotent: a document that exists is left as it is, so restarting the
 * stack does not undo changes made to the seed orders.
 */
import type {Firestore} from '@google-cloud/firestore';
import {createFirestore} from '../functions/common/firestore';
import type {CreateOrder, OrderStatus} from '../functions/common/orders';
import {newOrderRecord} from '../functions/order/domain';
import {FirestoreOrderStore} from '../functions/order/store';
import type {NewUser} from '../functions/user/domain';
import {FirestoreUserStore} from '../functions/user/store';

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

export const SEED_ORDERS: Record<string, CreateOrder & {status: OrderStatus}> =
  {
    'order-001': {
      userId: 'user-001',
      items: [
        {product: 'Widget A', quantity: 2, price: 29.99},
        {product: 'Widget B', quantity: 1, price: 49.99},
      ],
      status: 'completed',
    },
    'order-002': {
      userId: 'user-002',
      items: [{product: 'Gadget X', quantity: 1, price: 199.99}],
      status: 'processing',
    },
    'order-003': {
      userId: 'user-001',
      items: [
        {product: 'Widget C', quantity: 3, price: 15.99},
        {product: 'Accessory D', quantity: 2, price: 9.99},
      ],
      status: 'pending',
    },
    'order-004': {
      userId: 'user-003',
      items: [{product: 'Premium Package', quantity: 1, price: 499.99}],
      status: 'shipped',
    },
  };

const SEEDED_AT = '2026-01-01T00:00:00.000Z';

/** Writes the seed users and orders that are not there yet. */
export async function loadSeed(db: Firestore): Promise<void> {
  const each = <T, U>(records: Record<string, T>, f: (t: T) => U) =>
    Object.fromEntries(Object.entries(records).map(([id, r]) => [id, f(r)]));
  await Promise.all([
    new FirestoreUserStore(db).seed(
      each(SEED_USERS, user => ({...user, createdAt: SEEDED_AT})),
    ),
    new FirestoreOrderStore(db).seed(
      each(SEED_ORDERS, ({status, ...order}) =>
        newOrderRecord(order, status, SEEDED_AT),
      ),
    ),
  ]);
}

/**
 * A client on `projectId` of the emulator at `firestoreHost`, with the seed
 * loaded. The client finds the emulator, and skips looking for credentials,
 * only through this process's environment, which is set here.
 */
export async function seededEmulatorProject(
  projectId: string,
  firestoreHost: string,
): Promise<Firestore> {
  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  process.env.METADATA_SERVER_DETECTION = 'none';
  const db = createFirestore(projectId);
  await loadSeed(db);
  return db;
}

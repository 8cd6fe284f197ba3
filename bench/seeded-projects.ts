/**
 * The data a target serves: a fresh emulator project per target and run,
 * seeded with the functions' seed data and the benchmark's buyers, and put
 * back to that seed after each load.
 */
import {
  IDEMPOTENCY_KEYS,
  OPEN_ORDER_COUNTS,
  ORDERS,
} from '../functions/order/store';
import type {DocumentReference, Firestore} from '@google-cloud/firestore';
import {FirestoreUserStore} from '../functions/user/store';
import {SEED_ORDERS, seededEmulatorProject} from '../local/seed';
import {loadTopology} from '../scripts/topology';
import {BUYERS} from './scenarios';

/** The project's topology: where each function keeps its data. */
export const TOPOLOGY = loadTopology();

/** A fresh project per target and run: the emulator slows as data piles up. */
export const projectFor = (variant: string) =>
  `bench-${variant}-${Date.now().toString(36)}`;

/**
 * `work`, or an error naming `what` once `ms` have passed: a reset that
 * waits on the emulator for good (it has, rarely, after the create route's
 * load) fails the run saying where, instead of leaving it silent.
 */
async function within<T>(
  what: string,
  ms: number,
  work: Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish in ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

const RESET_STEP_MS = 60_000;
/** Firestore's most writes in one batch. */
const BATCH_WRITES = 500;

/** Deletes `refs` of `db`, a batch at a time. */
async function deleteAll(
  db: Firestore,
  refs: DocumentReference[],
): Promise<void> {
  for (let i = 0; i < refs.length; i += BATCH_WRITES) {
    const batch = db.batch();
    for (const ref of refs.slice(i, i + BATCH_WRITES)) batch.delete(ref);
    await batch.commit();
  }
}

/** Seeds `projectId`; resolves to what puts it back to its seed data. */
export async function seeded(
  projectId: string,
  firestoreHost: string,
): Promise<{reset: () => Promise<void>; close: () => Promise<void>}> {
  const project = await seededEmulatorProject(
    projectId,
    firestoreHost,
    TOPOLOGY,
  );
  await new FirestoreUserStore(project.holding('users')).seed(
    Object.fromEntries(
      BUYERS.map(id => [
        id,
        {
          name: `Buyer ${id}`,
          email: `${id}@example.com`,
          role: 'viewer' as const,
          createdAt: new Date().toISOString(),
        },
      ]),
    ),
  );
  // The buyers hold no open order: their counts say so from the start, as
  // they would after their first order (order/store.ts).
  const noOpenOrders = async () => {
    const db = project.holding(OPEN_ORDER_COUNTS);
    const batch = db.batch();
    for (const id of BUYERS)
      batch.set(db.collection(OPEN_ORDER_COUNTS).doc(id), {open: 0});
    await batch.commit();
  };
  await noOpenOrders();
  return {
    // Plain write batches, one after another: a BulkWriter's close has
    // waited for good here, now and then, with every write done.
    reset: async () => {
      for (const collection of [ORDERS, IDEMPOTENCY_KEYS]) {
        const db = project.holding(collection);
        const refs = await within(
          `Listing ${collection} to reset it`,
          RESET_STEP_MS,
          db.collection(collection).listDocuments(),
        );
        // Every idempotency key, and the orders the seed data does not have.
        const doomed = refs.filter(
          ref => collection === IDEMPOTENCY_KEYS || !(ref.id in SEED_ORDERS),
        );
        await within(
          `Deleting ${collection} to reset it`,
          RESET_STEP_MS,
          deleteAll(db, doomed),
        );
      }
      await within(
        'Setting the open-order counts to reset them',
        RESET_STEP_MS,
        noOpenOrders(),
      );
    },
    close: () => project.terminate(),
  };
}

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
import {FirestoreUserStore} from '../functions/user/store';
import {SEED_ORDERS, seededEmulatorProject} from '../local/seed';
import {loadTopology} from '../scripts/topology';
import {BUYERS} from './scenarios';

/** The project's topology: where each function keeps its data. */
export const TOPOLOGY = loadTopology();

/** A fresh project per target and run: the emulator slows as data piles up. */
export const projectFor = (variant: string) =>
  `bench-${variant}-${Date.now().toString(36)}`;

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
    const writer = db.bulkWriter();
    for (const id of BUYERS)
      void writer.set(db.collection(OPEN_ORDER_COUNTS).doc(id), {open: 0});
    await writer.close();
  };
  await noOpenOrders();
  return {
    reset: async () => {
      for (const collection of [ORDERS, IDEMPOTENCY_KEYS]) {
        const db = project.holding(collection);
        const writer = db.bulkWriter();
        // Every idempotency key, and the orders the seed data does not have.
        for (const ref of await db.collection(collection).listDocuments())
          if (collection === IDEMPOTENCY_KEYS || !(ref.id in SEED_ORDERS))
            void writer.delete(ref);
        await writer.close();
      }
      await noOpenOrders();
    },
    close: () => project.terminate(),
  };
}

/**
 * How a function that keeps data gets the Firestore client its store is
 * built over (firestore.ts openStoreClient, which wiring.ts ownStore
 * calls). By default the client as it ships: one, over gRPC, its default
 * transport. An entry point may choose another way before it builds its
 * functions (`useClientOpening`): the tuning line of
 * tuning/firestore-rest-first.ts does, for speed alone (docs/tuning.md).
 * Only types of the Firestore client here: the entry points load this
 * module, and no function loads the client to start (it is most of what a
 * start costs).
 */
import type {Firestore} from '@google-cloud/firestore';

/** How the client reaches Firestore. */
export type Transport = 'grpc' | 'rest';

/**
 * A way to open a store's client: `open` opens one over a transport, for
 * the store's database; `use` is given the client to build the store
 * over, and may be given another later (each request keeps the store it
 * began with).
 */
export type ClientOpening = (
  open: (transport: Transport) => Firestore,
  use: (db: Firestore) => void,
) => void;

let chosen: ClientOpening | undefined;

/**
 * Makes `opening` the way the stores opened from now on get their client
 * (undefined: the client as it ships again).
 */
export function useClientOpening(opening: ClientOpening | undefined): void {
  chosen = opening;
}

/** The way an entry point chose, undefined for the client as it ships. */
export function chosenClientOpening(): ClientOpening | undefined {
  return chosen;
}

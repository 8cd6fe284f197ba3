/**
 * A store's Firestore client over REST for a function's first requests,
 * over gRPC for every one after, for speed alone (docs/tuning.md; the
 * figures: docs/performance.md, "Which Firestore transport, where, and
 * why"). REST answers a cold start's first request sooner (it loads and
 * connects faster); gRPC costs about half the CPU per call from then on.
 * Without this a store opens the client as it ships: gRPC alone
 * (storage/firestore.ts openStoreClient).
 */
import type {Firestore} from '@google-cloud/firestore';
import {afterRequests} from '../http/lifecycle';
import {useClientOpening} from '../storage/client-opening';
import type {Transport} from '../storage/client-opening';

/** A document no one writes: what the gRPC client's first call reads. */
export const WARM_UP_DOCUMENT = 'warm-up/connection';

/**
 * `use` gets a REST client (`open('rest')`) now; once no request is in
 * flight, a gRPC client is opened and, when it has read WARM_UP_DOCUMENT
 * (one read per instance, off every request's path), `use` gets it, and
 * the REST client is closed when the requests still on it are done.
 * Should gRPC fail, REST carries on.
 */
export function restThenGrpc(
  open: (transport: Transport) => Firestore,
  use: (db: Firestore) => void,
): void {
  const rest = open('rest');
  use(rest);
  afterRequests(() => {
    const grpc = open('grpc');
    grpc
      .doc(WARM_UP_DOCUMENT)
      .get()
      .then(
        () => {
          use(grpc);
          afterRequests(() => void rest.terminate());
        },
        () => void grpc.terminate(),
      );
  });
}

/**
 * The tuning line (functions/index.cts, local/function-entry.cts): the
 * stores opened from then on get their client by restThenGrpc. Before the
 * entry builds its functions.
 */
export function installFirestoreRestFirst(): void {
  useClientOpening(restThenGrpc);
}

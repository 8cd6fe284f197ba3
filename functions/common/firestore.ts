/**
 * Firestore access shared by the functions that store data (user, order).
 * The gateway never imports this module, so it never pays for loading the
 * Firestore client.
 */
import {FieldPath, Firestore, type Query} from '@google-cloud/firestore';
import {atShutdown} from './lifecycle';
import type {Page, PageRequest} from './page';

/**
 * Opens Firestore for `projectId`; FIRESTORE_EMULATOR_HOST, when set, points
 * it at the emulator.
 */
export function createFirestore(
  projectId: string,
  env: NodeJS.ProcessEnv = process.env,
): Firestore {
  // On Google Cloud, REST instead of gRPC for unary calls: much faster to
  // load, which is most of a cold start. The REST transport insists on
  // credentials, which the emulator neither has nor needs, so it keeps gRPC.
  const db = new Firestore({
    projectId,
    preferRest: env.FIRESTORE_EMULATOR_HOST === undefined,
  });
  atShutdown(() => db.terminate());
  return db;
}

/** gRPC status codes Firestore reports on failed writes. */
export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;
export const FAILED_PRECONDITION = 9;

export function hasCode(error: unknown, code: number): boolean {
  return (error as {code?: unknown})?.code === code;
}

/**
 * One page of `query` in document-id order. Ordering by id needs no
 * composite index, and the last id of a page is a stable cursor.
 */
export async function pageOf<T>(
  query: Query,
  page: PageRequest,
  toItem: (id: string, data: FirebaseFirestore.DocumentData) => T,
): Promise<Page<T>> {
  let q = query.orderBy(FieldPath.documentId());
  if (page.cursor !== undefined) q = q.startAfter(page.cursor);
  const snapshot = await q.limit(page.limit + 1).get();
  const docs = snapshot.docs.slice(0, page.limit);
  return {
    items: docs.map(d => toItem(d.id, d.data())),
    nextCursor:
      snapshot.docs.length > page.limit ? docs[docs.length - 1].id : undefined,
  };
}

/** Creates the document unless it exists; an existing one is left as it is. */
export async function createIfMissing(
  ref: FirebaseFirestore.DocumentReference,
  data: FirebaseFirestore.DocumentData,
): Promise<void> {
  try {
    await ref.create(data);
  } catch (e: unknown) {
    if (!hasCode(e, ALREADY_EXISTS)) throw e;
  }
}

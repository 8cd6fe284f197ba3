/**
 * Firestore access shared by the functions that store data (user, order).
 * The gateway never imports this module, so it never pays for loading the
 * Firestore client.
 */
import {FieldPath, Firestore, type Query} from '@google-cloud/firestore';
import {OAuth2Client} from 'google-auth-library';
import {atShutdown} from './lifecycle';
import type {Page, PageRequest} from './page';

/**
 * Opens the Firestore database `databaseId` of `projectId` over REST, as
 * on Google Cloud; with FIRESTORE_EMULATOR_HOST set, in the emulator (which
 * keeps each named database apart, as Firestore does).
 */
export function createFirestore(
  projectId: string,
  databaseId: string,
  env: NodeJS.ProcessEnv = process.env,
): Firestore {
  // REST instead of gRPC for unary calls: much faster to load, which is
  // most of a cold start, and the same transport locally as in production.
  // The REST transport insists on credentials, which the emulator neither
  // has nor checks: it gets the token the client itself sends it over gRPC.
  const db = new Firestore({
    projectId,
    databaseId,
    preferRest: true,
    ...(env.FIRESTORE_EMULATOR_HOST !== undefined && {
      authClient: emulatorAuth(),
    }),
  });
  atShutdown(() => db.terminate());
  return db;
}

/** The emulator's "owner" token, as the Firestore client sends it over gRPC. */
function emulatorAuth(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({
    access_token: 'owner',
    expiry_date: Number.MAX_SAFE_INTEGER,
  });
  return client;
}

/** gRPC status codes Firestore reports on failed writes. */
export const ALREADY_EXISTS = 6;
export const NOT_FOUND = 5;
export const FAILED_PRECONDITION = 9;

const STATUS_NAMES: Record<number, string> = {
  [NOT_FOUND]: 'NOT_FOUND',
  [ALREADY_EXISTS]: 'ALREADY_EXISTS',
  [FAILED_PRECONDITION]: 'FAILED_PRECONDITION',
};

/**
 * Whether Firestore failed with gRPC status `code`, whichever transport
 * said so. Over gRPC the code is on the error. Over REST (google-gax 5,
 * which Firestore 8 uses) the error's `code` is the HTTP status, and 409
 * stands for both ALREADY_EXISTS and ABORTED: the status's name is only in
 * the JSON body the error message carries (googleapis/gax-nodejs#1634,
 * google-cloud-node#9346, fixed in google-gax 6, which needs Node 22).
 * (Transactions are safe: the client retries a 409 as an abort.)
 */
export function hasCode(error: unknown, code: number): boolean {
  const e = error as {code?: unknown; message?: unknown} | undefined;
  if (e?.code === code) return true;
  if (typeof e?.code !== 'number' || e.code < 400) return false;
  return restStatusOf(e.message) === STATUS_NAMES[code];
}

function restStatusOf(message: unknown): string | undefined {
  if (typeof message !== 'string' || !message.startsWith('{')) return undefined;
  try {
    const status = (JSON.parse(message) as {error?: {status?: unknown}}).error
      ?.status;
    return typeof status === 'string' ? status : undefined;
  } catch {
    return undefined;
  }
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

/**
 * Firestore access shared by the functions that store data (user, order).
 * The gateway never imports this module, so it never pays for loading the
 * Firestore client.
 */
import {
  FieldPath,
  Firestore,
  type DocumentData,
  type FirestoreDataConverter,
  type Query,
  type QueryDocumentSnapshot,
} from '@google-cloud/firestore';
import {OAuth2Client} from 'google-auth-library';
import type {z} from 'zod';
import {atShutdown} from '../http/lifecycle';
import {chosenClientOpening, type Transport} from './client-opening';
import type {Page, PageRequest} from '../protocol/page';

/**
 * Opens the Firestore database `databaseId` of `projectId` over
 * `transport`: gRPC, the client's default, or REST; with
 * FIRESTORE_EMULATOR_HOST set, in the emulator (which keeps each named
 * database apart, as Firestore does).
 */
export function createFirestore(
  projectId: string,
  databaseId: string,
  {
    transport = 'grpc',
    env = process.env,
  }: {transport?: Transport; env?: NodeJS.ProcessEnv} = {},
): Firestore {
  const db = new Firestore({
    projectId,
    databaseId,
    // Integers come back as bigints: Firestore's sums are int64, exact
    // past 2^53, where a number is not. Stores convert the small ones.
    useBigInt: true,
    ...(transport === 'rest' && {
      preferRest: true,
      // The REST transport insists on credentials, which the emulator
      // neither has nor checks: it gets the token the client itself sends
      // the emulator over gRPC.
      ...(env.FIRESTORE_EMULATOR_HOST !== undefined && {
        authClient: emulatorAuth(),
      }),
    }),
  });
  atShutdown(() => db.terminate());
  return db;
}

/**
 * Opens the client a store of `databaseId` is built over and gives it to
 * `use`: one client as it ships (gRPC, its default transport), unless an
 * entry point chose another way (client-opening.ts), which may give `use`
 * another client later.
 */
export function openStoreClient(
  projectId: string,
  databaseId: string,
  use: (db: Firestore) => void,
): void {
  const open = (transport: Transport) =>
    createFirestore(projectId, databaseId, {transport});
  const opening = chosenClientOpening();
  if (opening === undefined) use(open('grpc'));
  else opening(open, use);
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

/** gRPC status codes after which a transaction may succeed if run again. */
const ABORTED = 10;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const INTERNAL = 13;
const UNAVAILABLE = 14;
const INVALID_ARGUMENT = 3;
/**
 * INVALID_ARGUMENT about the transaction itself, not its data: Firestore's
 * "The referenced transaction has expired or is no longer valid", the
 * emulator's "Transaction is invalid or expired." and "…or closed." (a
 * transaction it ended for another's lock). A new one may succeed.
 */
const EXPIRED_TRANSACTION =
  /transaction has expired|transaction is invalid or (expired|closed)/i;
/** What the REST transport may report instead of ABORTED. */
const HTTP_CONFLICT = 409;
const RETRYABLE = [
  ABORTED,
  HTTP_CONFLICT,
  DEADLINE_EXCEEDED,
  RESOURCE_EXHAUSTED,
  INTERNAL,
  UNAVAILABLE,
];

/**
 * Whether Firestore failed with gRPC status `code`. Both transports put
 * the gRPC code on the error (over REST since google-gax 6).
 */
export function hasCode(error: unknown, code: number): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === code
  );
}

/**
 * Whether a failed transaction may succeed if run again: it lost to a
 * concurrent one (ABORTED), Firestore was briefly unable (UNAVAILABLE,
 * RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, INTERNAL), or it expired or was
 * ended (INVALID_ARGUMENT naming the transaction).
 * Nothing else: not what the request itself makes Firestore refuse
 * (INVALID_ARGUMENT, FAILED_PRECONDITION…), nor UNKNOWN, which is what the
 * emulator answers to a string that is not UTF-8. The client's own
 * runTransaction retries UNKNOWN too, five times over seconds, for an
 * answer that cannot change.
 */
export function mayRetryTransaction(error: unknown): boolean {
  if (RETRYABLE.some(code => hasCode(error, code))) return true;
  return (
    hasCode(error, INVALID_ARGUMENT) &&
    error instanceof Error &&
    EXPIRED_TRANSACTION.test(error.message)
  );
}

/**
 * A transaction that still lost (or still found Firestore unable) when its
 * attempts or its time ran out. Nothing of it was written: the caller may
 * try again later. `cause` is the last attempt's error.
 */
export class TransactionGaveUpError extends Error {
  constructor(cause: unknown) {
    super('The transaction gave up: contended or unavailable', {cause});
    this.name = 'TransactionGaveUpError';
  }
}

/** How long a transaction keeps trying. */
export interface TransactionBounds {
  /** Attempts at most (5 unless given, as the client's own default). */
  attempts?: number;
  /** No attempt starts after this time (ms since the epoch). */
  until?: number;
  /** Waits between attempts (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

const TRANSACTION_BACKOFF_MS = 50;

/**
 * Runs `update` in a transaction of `db`, as `db.runTransaction` does, but
 * tries it again only after an error mayRetryTransaction allows, at most
 * `attempts` times and never starting after `until`, with a short
 * randomized backoff; anything else fails at once, as `update`'s own
 * errors do.
 * @throws TransactionGaveUpError when the retries ran out.
 */
export async function runTransaction<T>(
  db: Firestore,
  update: (tx: FirebaseFirestore.Transaction) => Promise<T>,
  {
    attempts = 5,
    until = Infinity,
    sleep = ms => new Promise(r => setTimeout(r, ms)),
  }: TransactionBounds = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // One attempt each: the client would retry errors retrying cannot fix.
      return await db.runTransaction(update, {maxAttempts: 1});
    } catch (e: unknown) {
      if (!mayRetryTransaction(e)) throw e;
      // Randomized, so that transactions that collided do not collide again.
      const backoff =
        TRANSACTION_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
      if (attempt >= attempts || Date.now() + backoff > until)
        throw new TransactionGaveUpError(e);
      await sleep(backoff);
    }
  }
}

/**
 * A stored document its collection's schema refuses: written by something
 * other than this function, or by a version that stored another shape. A
 * fault of the system, not of the request (a 500); the log names the
 * document, the client never sees it.
 */
export class StoredDataError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`${path} does not have its collection's shape`, {cause});
    this.name = 'StoredDataError';
  }
}

/**
 * The converter of a collection whose documents have `schema`'s shape.
 * What is stored comes from outside the process, like a request: every
 * document read is parsed with the schema before any code sees it. What is
 * written is typed by it: `T` is what the store writes and reads.
 */
export function converterFor<T extends DocumentData>(
  schema: z.ZodType<T>,
): FirestoreDataConverter<T> {
  return {
    toFirestore: (data: DocumentData) => data,
    fromFirestore: (snapshot: QueryDocumentSnapshot): T => {
      const parsed = schema.safeParse(snapshot.data());
      if (!parsed.success)
        throw new StoredDataError(snapshot.ref.path, parsed.error);
      return parsed.data;
    },
  };
}

/**
 * One page of `query` in document-id order. Ordering by id needs no
 * composite index, and the last id of a page is a stable cursor.
 */
export async function pageOf<D, T>(
  query: Query<D>,
  page: PageRequest,
  toItem: (id: string, data: D) => T,
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
export async function createIfMissing<T>(
  ref: FirebaseFirestore.DocumentReference<T>,
  data: FirebaseFirestore.WithFieldValue<T>,
): Promise<void> {
  try {
    await ref.create(data);
  } catch (e: unknown) {
    if (!hasCode(e, ALREADY_EXISTS)) throw e;
  }
}

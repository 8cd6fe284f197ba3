// @ts-check
/**
 * Copies a deployment's data from the `(default)` database, where it was
 * kept before each function had a database of its own, into the database of
 * the function that keeps each collection (topology.json). deploy.sh runs it
 * when a `(default)` database exists.
 *
 * Once: when every collection of a database has been copied, a record of it
 * is written to `(default)` (collection `s2sMigrations`, one document per
 * database), and a later run skips that database. Resumable: a document
 * already in the target is left as it is (it may have changed since), so a
 * run that stopped half-way copies only the rest. Nothing is deleted from
 * `(default)`: remove it yourself once you have checked the copies.
 *
 * Usage: node scripts/migrate-data.js PROJECT_ID
 * Credentials: FIRESTORE_EMULATOR_HOST for the emulator, else the access
 * token of `gcloud auth print-access-token` (your account: it needs read on
 * `(default)` and write on the functions' databases, as the deployer has).
 */
'use strict';
const {execFileSync} = require('node:child_process');
const {FieldPath, Firestore} = require('@google-cloud/firestore');
const {OAuth2Client} = require('google-auth-library');
const {loadTopology} = require('./topology');

const MARKERS = 's2sMigrations';
/** Documents read and written at a time, by default. */
const PAGE = 500;

/**
 * An auth client holding one access token: the emulator's "owner", or
 * gcloud's for the signed-in account.
 * @param {string} token
 */
function staticAuth(token) {
  const client = new OAuth2Client();
  client.setCredentials({
    access_token: token,
    expiry_date: Date.now() + 3_000_000,
  });
  return client;
}

/**
 * A client of database `databaseId` of `projectId`.
 * @param {string} projectId
 * @param {string} databaseId
 * @param {string} token
 */
function open(projectId, databaseId, token) {
  return new Firestore({
    projectId,
    databaseId,
    preferRest: true,
    authClient: staticAuth(token),
  });
}

/**
 * Copies `collections` from `source` to `target` unless `source` records
 * it was done; returns what it did, per collection.
 * @param {import('@google-cloud/firestore').Firestore} source the (default) database
 * @param {import('@google-cloud/firestore').Firestore} target a function's database
 * @param {string} database the target's id, for the record
 * @param {string[]} collections
 * @param {number} pageSize documents read and written at a time
 * @returns {Promise<{skipped: boolean, copied: Record<string, number>, present: Record<string, number>}>}
 */
async function migrateDatabase(
  source,
  target,
  database,
  collections,
  pageSize,
) {
  const marker = source.collection(MARKERS).doc(database);
  if ((await marker.get()).exists)
    return {skipped: true, copied: {}, present: {}};
  /** @type {Record<string, number>} */
  const copied = {};
  /** @type {Record<string, number>} */
  const present = {};
  for (const collection of collections) {
    copied[collection] = 0;
    present[collection] = 0;
    const writer = target.bulkWriter();
    // A document already there stays as it is: create() refuses to overwrite.
    writer.onWriteError(e => {
      if (
        e.code === 6 ||
        Number(e.code) === 409 ||
        /ALREADY_EXISTS/.test(String(e.message))
      ) {
        present[collection]++;
        return false;
      }
      return e.failedAttempts < 5;
    });
    // A page at a time, in document-id order: a large collection is never
    // held in memory whole.
    let read = 0;
    /** @type {string | undefined} */
    let after;
    for (;;) {
      let query = source
        .collection(collection)
        .orderBy(FieldPath.documentId())
        .limit(pageSize);
      if (after !== undefined) query = query.startAfter(after);
      const docs = (await query.get()).docs;
      if (docs.length === 0) break;
      for (const doc of docs)
        writer
          .create(target.collection(collection).doc(doc.id), doc.data())
          .then(() => copied[collection]++)
          .catch(() => undefined);
      await writer.flush();
      read += docs.length;
      after = docs[docs.length - 1].id;
    }
    await writer.close();
    const written = copied[collection] + present[collection];
    if (written !== read)
      throw new Error(
        `${collection}: ${read - written} of ${read} documents could not be copied; run again`,
      );
  }
  await marker.set({copiedAt: new Date().toISOString(), copied, present});
  return {skipped: false, copied, present};
}

/**
 * Every data-keeping function's collections, from `(default)` into its
 * database. `say` gets one line per database.
 * @param {{projectId: string, token: string, topology?: import('./topology-parse').Topology, say?: (line: string) => void, pageSize?: number}} options
 */
async function migrate({
  projectId,
  token,
  topology = loadTopology(),
  say = () => undefined,
  pageSize = PAGE,
}) {
  const source = open(projectId, '(default)', token);
  const results = [];
  try {
    for (const f of topology.declared) {
      if (f.firestore === undefined) continue;
      const target = open(projectId, f.firestore.database, token);
      try {
        const result = await migrateDatabase(
          source,
          target,
          f.firestore.database,
          f.firestore.collections,
          pageSize,
        );
        say(
          result.skipped
            ? `${f.firestore.database}: copied from (default) before; nothing to do`
            : `${f.firestore.database}: ${f.firestore.collections
                .map(
                  c =>
                    `${c} ${result.copied[c]} copied, ${result.present[c]} already there`,
                )
                .join('; ')}`,
        );
        results.push({database: f.firestore.database, ...result});
      } finally {
        await target.terminate();
      }
    }
  } finally {
    await source.terminate();
  }
  return results;
}

if (require.main === module) {
  const [projectId] = process.argv.slice(2);
  if (!projectId) {
    process.stderr.write('usage: node scripts/migrate-data.js PROJECT_ID\n');
    process.exit(2);
  }
  const token = process.env.FIRESTORE_EMULATOR_HOST
    ? 'owner'
    : execFileSync('gcloud', ['auth', 'print-access-token'], {
        encoding: 'utf8',
      }).trim();
  migrate({
    projectId,
    token,
    say: line => process.stdout.write(`    ${line}\n`),
  }).catch(e => {
    process.stderr.write(
      `migrate-data.js: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(1);
  });
}

module.exports = {migrate, MARKERS};

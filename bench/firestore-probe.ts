/**
 * Benchmark only: what one process pays to read a Firestore document, per
 * client setting, against the emulator: the client as it ships (gRPC), the
 * same client over REST, and ours (functions/common/storage/firestore.ts). One
 * document read again and again, `concurrency` at a time, after a warm-up;
 * prints {cpuMsPerRead, readsPerSec} as JSON.
 *
 * Usage: node firestore-probe.js <grpc|rest|ours> <projectId> <database> <collection/doc> <reads> <concurrency>
 * Env:   FIRESTORE_EMULATOR_HOST
 */
import {Firestore} from '@google-cloud/firestore';
import {emulatorOwner} from './emulator-owner';
import {createFirestore} from '../functions/common/storage/firestore';

const [client, projectId, database, docPath, readsArg, concurrencyArg] =
  process.argv.slice(2);

function open(): Firestore {
  if (client === 'ours') return createFirestore(projectId, database);
  return new Firestore({
    projectId,
    databaseId: database,
    ...(client === 'rest' && {preferRest: true, authClient: emulatorOwner()}),
  });
}

async function main(): Promise<void> {
  const db = open();
  const doc = db.doc(docPath);
  const readMany = async (n: number, concurrency: number) => {
    let left = n;
    await Promise.all(
      Array.from({length: concurrency}, async () => {
        while (left-- > 0) await doc.get();
      }),
    );
  };
  const concurrency = Number(concurrencyArg);
  const reads = Number(readsArg);
  // The client's loading and its connections are a cold start's, not this.
  await readMany(Math.max(50, reads / 5), concurrency);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await readMany(reads, concurrency);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    JSON.stringify({
      cpuMsPerRead: (used.user + used.system) / 1000 / reads,
      readsPerSec: (reads / ms) * 1000,
    }),
  );
  await db.terminate();
}

main().catch((e: unknown) => {
  process.stderr.write(String(e));
  process.exit(1);
});

/**
 * `node build/local/with-emulator.js <command> [args…]`: runs the command
 * with FIRESTORE_EMULATOR_HOST naming a Firestore emulator started for it
 * (or the one the variable already names), and stops that emulator when
 * the command ends, whichever way it ends. `npm run mutate` runs Stryker
 * under it: Stryker's mocha runner runs no mocha global fixture (so not
 * test/fixtures/emulator.ts), and its test runner processes, started anew
 * for each static mutant, inherit this one emulator instead of each
 * waiting for one of their own.
 */
import {startFirestoreEmulator} from './firestore-emulator';
import {spawnGroup} from './processes';

async function main([command, ...args]: string[]): Promise<number> {
  if (command === undefined)
    throw new Error('usage: with-emulator <command> [args…]');
  // Nothing here runs on Google Cloud: spare every client the probe.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    METADATA_SERVER_DETECTION: 'none',
  };
  const emulator = env.FIRESTORE_EMULATOR_HOST
    ? undefined
    : await startFirestoreEmulator();
  if (emulator !== undefined) env.FIRESTORE_EMULATOR_HOST = emulator.host;
  try {
    // In a process group of its own, as the emulator is, so that a signal
    // for this process reaches all of the command (npx, Stryker, its
    // workers) however it was sent; this process then waits for the
    // command to end and stops the emulator.
    const child = spawnGroup(command, args, {stdio: 'inherit', env});
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.on(signal, () => {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          // Already gone.
        }
      });
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', code => resolve(code ?? 1));
    });
  } finally {
    await emulator?.stop();
  }
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (e: unknown) => {
    process.stderr.write(
      `with-emulator: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(1);
  },
);

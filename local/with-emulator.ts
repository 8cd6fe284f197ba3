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
import {spawn} from 'node:child_process';
import {startFirestoreEmulator} from './firestore-emulator';

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
    const child = spawn(command, args, {stdio: 'inherit', env});
    // Ctrl-C reaches the command too (one process group; the emulator has
    // its own): this process waits for the command, then stops the emulator.
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.on(signal, () => child.kill(signal));
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

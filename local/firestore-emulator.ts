/**
 * Starts the real Firestore emulator (from the Google Cloud CLI) for the
 * local stack and the tests. gcloud starts a Java server that outlives it if
 * only gcloud is killed, so the emulator runs in its own process group and
 * is stopped as a group.
 */
import {Firestore} from '@google-cloud/firestore';
import {OAuth2Client} from 'google-auth-library';
import {execFileSync, type ChildProcess} from 'node:child_process';
import {openSync} from 'node:fs';
import {freePort, spawnGroup, stopGroup, waitFor} from './processes';

export interface RunningEmulator {
  /** host:port, the value for FIRESTORE_EMULATOR_HOST. */
  host: string;
  stop(): Promise<void>;
}

const INSTALL_HELP = `The Firestore emulator needs the Google Cloud CLI and Java 11 or newer:
  - Google Cloud CLI: https://cloud.google.com/sdk/docs/install
  - the emulator:     gcloud components install cloud-firestore-emulator
                      (or: apt-get install google-cloud-cli-firestore-emulator)
  - Java:             apt-get install openjdk-17-jre-headless (or any JRE 11+)
Or point FIRESTORE_EMULATOR_HOST at an emulator you already run.`;

/**
 * A client of the emulator at `host` (host:port), set up as the client sets
 * itself up for FIRESTORE_EMULATOR_HOST (a plain connection, the emulator's
 * owner header) without changing this process's environment. It has an auth
 * client of its own so that no credentials are looked for.
 */
export function emulatorFirestore(
  projectId: string,
  host: string,
  databaseId = '(default)',
): Firestore {
  return new Firestore({
    projectId,
    databaseId,
    host,
    ssl: false,
    authClient: new OAuth2Client(),
  });
}

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
}

/** Checks the prerequisites and says exactly what is missing. */
export function checkEmulatorPrerequisites(): void {
  const missing = [];
  if (!has('gcloud', ['--version'])) missing.push('gcloud');
  if (!has('java', ['-version'])) missing.push('java');
  if (missing.length > 0) {
    throw new Error(`Missing: ${missing.join(', ')}.\n${INSTALL_HELP}`);
  }
}

/** Starts an emulator on `port` (a free one by default) and waits until it answers. */
export async function startFirestoreEmulator(
  options: {port?: number; logFile?: string} = {},
): Promise<RunningEmulator> {
  checkEmulatorPrerequisites();
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child: ChildProcess = spawnGroup(
    'gcloud',
    ['emulators', 'firestore', 'start', `--host-port=${host}`],
    {
      stdio: ['ignore', out, out],
      env: {...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1'},
    },
  );
  const stop = () => stopGroup(child);
  try {
    await waitFor(
      `The Firestore emulator on ${host}`,
      async () =>
        (await (await fetch(`http://${host}/`)).text()).trim() === 'Ok',
      60_000,
      child,
    );
  } catch (e: unknown) {
    await stop();
    throw new Error(`${(e as Error).message}.\n${INSTALL_HELP}`);
  }
  return {host, stop};
}

/** Deletes every document of `projectId` in the emulator at `host`. */
export async function clearEmulator(
  host: string,
  projectId: string,
): Promise<void> {
  const res = await fetch(
    `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
    {method: 'DELETE'},
  );
  if (!res.ok) throw new Error(`Clearing the emulator failed: ${res.status}`);
}

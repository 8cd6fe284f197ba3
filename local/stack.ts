/**
 * The whole system on one machine, with the same code that runs on Google
 * Cloud: the Firestore emulator, the identity server, and the three functions,
 * each started with `functions-framework --target=<name>` as its own process
 * under its own service account. `npm start` and the end-to-end tests both
 * start it through here.
 */
import type {ChildProcess} from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import type {AuthMode, ServiceName} from '../functions/common/config';
import {createFirestore} from '../functions/common/firestore';
import {
  startFirestoreEmulator,
  type RunningEmulator,
} from './firestore-emulator';
import {IdentityServer, type IdentityInfo} from './identity-server';
import {
  assertPortFree,
  freePort,
  spawnGroup,
  stopGroup,
  waitFor,
} from './processes';
import {loadSeed} from './seed';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SERVICES: ServiceName[] = ['order', 'user', 'gateway'];

/** What `.local/stack.json` holds. */
export interface StackInfo {
  projectId: string;
  gateway: string;
  user: string;
  order: string;
  firestore: string;
  identity: Record<ServiceName, string>;
  issuer: {url: string; certsUrl: string};
  accounts: Record<ServiceName, string>;
}

export interface StackOptions {
  projectId?: string;
  /** Fixed ports; 0 or absent picks free ones. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Use this emulator (host:port) instead of starting one. */
  firestoreHost?: string;
  authMode?: AuthMode;
  logLevel?: string;
  /** 'inherit': prefix and print the functions' logs; a folder: one file per function. */
  logs?: 'inherit' | string;
  /** Where to write stack.json; not written when absent. */
  stackFile?: string;
  seed?: boolean;
  /** Extra environment for every function (the benchmark's variants). */
  env?: Record<string, string>;
  /** The module exporting the functions; package.json's "main" by default. */
  source?: string;
  /** Extra arguments for node itself, e.g. ['--cpu-prof'] to profile the functions. */
  nodeArgs?: string[];
}

export interface Stack {
  info: StackInfo;
  /** What the functions' environments were made from, to start more like them. */
  surroundings: FunctionSurroundings;
  identity: IdentityServer;
  /** Stops one function, leaving the rest up (to see how the others cope). */
  stopFunction(name: ServiceName): Promise<void>;
  /** Process ids of the functions (the benchmark reads their memory). */
  pids: Record<ServiceName, number>;
  stop(): Promise<void>;
}

/** Service account emails, one per function, as deploy.sh names them. */
export function accountsFor(projectId: string): Record<ServiceName, string> {
  return {
    gateway: `gateway-fn@${projectId}.iam.gserviceaccount.com`,
    user: `user-fn@${projectId}.iam.gserviceaccount.com`,
    order: `order-fn@${projectId}.iam.gserviceaccount.com`,
  };
}

/** The Functions Framework's own CLI, `functions-framework`, from node_modules. */
function frameworkCli(): string {
  // The package exports no package.json; find it from its main module.
  let dir = path.dirname(require.resolve('@google-cloud/functions-framework'));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  const pkg = JSON.parse(
    readFileSync(path.join(dir, 'package.json'), 'utf8'),
  ) as {bin: Record<string, string>};
  return path.join(dir, pkg.bin['functions-framework']);
}

/** Where a function's collaborators are: what its environment is made of. */
export interface FunctionSurroundings {
  projectId: string;
  urls: Record<ServiceName, string>;
  firestoreHost: string;
  issuer: IdentityInfo;
  accounts: Record<ServiceName, string>;
}

/**
 * The environment of one function: only what it needs, which is its
 * configuration, PATH for the runtime, and its own metadata server standing
 * in for the service account it runs as.
 */
export function functionEnv(
  name: ServiceName,
  where: FunctionSurroundings,
  options: Pick<StackOptions, 'authMode' | 'logLevel' | 'env'> = {},
): Record<string, string> {
  const {urls, accounts} = where;
  const common: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GCE_METADATA_HOST: where.issuer.hosts[name],
    GOOGLE_CLOUD_PROJECT: where.projectId,
    AUTH_MODE: options.authMode ?? 'verify',
    LOG_LEVEL: options.logLevel ?? 'info',
    TOKEN_ISSUER: where.issuer.issuer,
    TOKEN_CERTS_URL: where.issuer.certsUrl,
    ...options.env,
  };
  const store = {FIRESTORE_EMULATOR_HOST: where.firestoreHost};
  switch (name) {
    case 'order':
      return {
        ...common,
        ...store,
        SELF_URL: urls.order,
        ALLOWED_CALLERS: `${accounts.gateway},${accounts.user}`,
      };
    case 'user':
      return {
        ...common,
        ...store,
        SELF_URL: urls.user,
        ALLOWED_CALLERS: accounts.gateway,
        ORDER_URL: urls.order,
      };
    case 'gateway':
      return {...common, USER_URL: urls.user, ORDER_URL: urls.order};
  }
}

/** Starts `functions-framework --target=<name>` as a process group of its own. */
export function spawnFunction(
  name: string,
  port: number,
  env: Record<string, string>,
  options: Pick<StackOptions, 'source' | 'nodeArgs'> = {},
): ChildProcess {
  const args = [
    ...(options.nodeArgs ?? []),
    frameworkCli(),
    `--target=${name}`,
    `--port=${port}`,
  ];
  if (options.source !== undefined) args.push(`--source=${options.source}`);
  return spawnGroup(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const projectId = options.projectId ?? 'local-s2s';
  const accounts = accountsFor(projectId);
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    stoppers.length = 0;
    if (options.stackFile) rmSync(options.stackFile, {force: true});
  };

  try {
    const ports = {} as Record<ServiceName, number>;
    for (const name of SERVICES) {
      const wanted = options.ports?.[name];
      if (wanted) {
        await assertPortFree(
          wanted,
          `Set ${name.toUpperCase()}_PORT to use another.`,
        );
        ports[name] = wanted;
      } else {
        ports[name] = await freePort();
      }
    }
    const urls = Object.fromEntries(
      SERVICES.map(n => [n, `http://127.0.0.1:${ports[n]}`]),
    ) as Record<ServiceName, string>;

    let firestoreHost = options.firestoreHost;
    if (firestoreHost === undefined) {
      const logFile =
        typeof options.logs === 'string' && options.logs !== 'inherit'
          ? path.join(options.logs, 'firestore.log')
          : undefined;
      if (logFile) mkdirSync(options.logs!, {recursive: true});
      const emulator: RunningEmulator = await startFirestoreEmulator({logFile});
      stoppers.push(emulator.stop);
      firestoreHost = emulator.host;
    }

    const identity = new IdentityServer(accounts, projectId);
    const issuer = await identity.start();
    stoppers.push(() => identity.stop());

    const where: FunctionSurroundings = {
      projectId,
      urls,
      firestoreHost,
      issuer,
      accounts,
    };
    const children: Record<string, ChildProcess> = {};
    for (const name of SERVICES) {
      const child = spawnFunction(
        name,
        ports[name],
        functionEnv(name, where, options),
        options,
      );
      pipeLogs(name, child, options.logs);
      children[name] = child;
      stoppers.push(() => stopGroup(child));
    }
    await Promise.all(
      SERVICES.map(name =>
        // Any HTTP answer means it is up: user and order answer 401 without a token.
        waitFor(
          `The ${name} function`,
          async () => (await fetch(`${urls[name]}/`)).status > 0,
          30_000,
          children[name],
        ),
      ),
    );

    if (options.seed !== false) {
      // The client reaches the emulator without credentials only through this variable.
      process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
      process.env.METADATA_SERVER_DETECTION = 'none';
      const db = createFirestore(projectId);
      await loadSeed(db);
      await db.terminate();
    }

    const info: StackInfo = {
      projectId,
      ...urls,
      firestore: firestoreHost,
      identity: issuer.hosts as Record<ServiceName, string>,
      issuer: {url: issuer.issuer, certsUrl: issuer.certsUrl},
      accounts,
    };
    if (options.stackFile) {
      mkdirSync(path.dirname(options.stackFile), {recursive: true});
      writeFileSync(options.stackFile, JSON.stringify(info, null, 2) + '\n');
    }
    const pids = Object.fromEntries(
      SERVICES.map(n => [n, children[n].pid!]),
    ) as Record<ServiceName, number>;
    return {
      info,
      surroundings: where,
      identity,
      pids,
      stop,
      stopFunction: name => stopGroup(children[name]),
    };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

function pipeLogs(
  name: string,
  child: ChildProcess,
  logs: StackOptions['logs'],
): void {
  if (logs === 'inherit') {
    const prefix = `[${name}] `.padEnd(10);
    const relay = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line) to.write(prefix + line + '\n');
    };
    child.stdout?.on('data', relay(process.stdout));
    child.stderr?.on('data', relay(process.stderr));
  } else if (logs !== undefined) {
    mkdirSync(logs, {recursive: true});
    const file = createWriteStream(path.join(logs, `${name}.log`), {
      flags: 'a',
    });
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
}

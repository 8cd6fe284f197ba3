/**
 * The whole system on one machine, with the same code that runs on Google
 * Cloud and the shape topology.json gives it: the Firestore emulator, the
 * identity server, and each function started with
 * `functions-framework --target=<name>` as its own process under its own
 * service account. In cloud mode (the default) each function also sits
 * behind a local Cloud Run front end, and calls between functions go through
 * a local VPC connector, as on Google Cloud. `npm start`, the end-to-end
 * tests and the benchmark all start it through here.
 */
import type {ChildProcess} from 'node:child_process';
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {loadTopology, type Topology} from '../scripts/topology';
import {
  startFirestoreEmulator,
  type RunningEmulator,
} from './firestore-emulator';
import {startCloudRunStandIns} from './cloud-run';
import {
  accountsFor,
  functionEnv,
  handRunEnv,
  ROOT,
  spawnFunction,
  type StackLayout,
  type SpawnOptions,
  type StackMode,
} from './functions';
import {IdentityServer, type EndUserInfo} from './identity-server';
import {handRunCommand} from './env';
import {memoryBytes, memoryExceededMessage, watchMemory} from './memory';
import {LocalConsole} from './console/server';
import {TraceStore} from './console/traces';
import {
  logFileOf,
  logSink,
  pipeLogs,
  type LogSink,
  type LogTarget,
} from './logs';
import {
  accepts,
  assertPortFree,
  freePort,
  listenOn,
  stopGroup,
  waitFor,
} from './processes';
import {functionsNode} from './runtime';
import {seedAccounts, seededEmulatorProject} from './seed';

export {accountsFor, functionEnv, ROOT, spawnFunction, type StackMode};

/** What `.local/stack.json` holds. */
export interface StackInfo {
  projectId: string;
  mode: StackMode;
  /** The URL callers use, per function: its front end in cloud mode. */
  urls: Record<string, string>;
  /** Where each function's own process listens: behind its front end in cloud mode. */
  listens: Record<string, string>;
  /** host:port of the local VPC connector (cloud mode only). */
  connector?: string;
  /** The local console's URL, when it runs. */
  console?: string;
  firestore: string;
  /** Each data-keeping function's own database in the emulator (topology.json). */
  databases: Record<string, string>;
  identity: Record<string, string>;
  issuer: {url: string; certsUrl: string};
  accounts: Record<string, string>;
  /** End users: where they sign in, how their tokens are checked, and the seed users' accounts. */
  endUsers: EndUsers;
  /** The functions the stack did not start: left to be run by hand. */
  handRun: string[];
  /**
   * Each function's environment as the stack starts it (PATH left out):
   * what `npm run env -- <name>` prints, to run it by hand.
   */
  env: Record<string, Record<string, string>>;
}

/** The local Identity Platform, as `.local/stack.json` gives it. */
export interface EndUsers extends EndUserInfo {
  /** "off": END_USER_AUTH=off, no end-user token needed anywhere. */
  auth: 'on' | 'off';
  /** The bearer token of the local admin API (accounts:update, accounts:delete); local only. */
  adminToken: string;
  accounts: {email: string; password: string; uid: string; admin: boolean}[];
}

export interface StackOptions extends SpawnOptions {
  mode?: StackMode;
  /**
   * Functions not to start: their place is kept (front end, URL, metadata
   * server, invoker edges, port) for a process run by hand.
   */
  handRun?: string[];
  /** topology.json's by default; tests pass a changed copy. */
  topology?: Topology;
  projectId?: string;
  /** Fixed ports per function; 0 or absent picks free ones. */
  ports?: Record<string, number>;
  /** Fixed port of the VPC connector (cloud mode); absent picks a free one. */
  connectorPort?: number;
  /** Use this emulator (host:port) instead of starting one. */
  firestoreHost?: string;
  /** "off": no service tokens anywhere (the benchmark's auth-off variant). */
  serviceTokens?: 'off';
  /** END_USER_AUTH for every function: "off" is the original demo's open API. */
  endUserAuth?: 'on' | 'off';
  logLevel?: string;
  /** A folder: each process's log lines in a file of its own. */
  logs?: string;
  /** Print the log lines: readable, or the JSON as written. */
  print?: LogTarget['print'];
  /** Start the console on this port (0: any free one). */
  consolePort?: number;
  /** Where to write stack.json; not written when absent. */
  stackFile?: string;
  seed?: boolean;
  /** Extra environment for every function (the benchmark's variants). */
  env?: Record<string, string>;
}

export interface Stack {
  info: StackInfo;
  /** What the functions' environments were made from, to start more like them. */
  layout: StackLayout;
  identity: IdentityServer;
  /** Stops one function, leaving the rest up (to see how the others cope). */
  stopFunction(name: string): Promise<void>;
  /** Process ids of the started functions' first instances (the benchmark reads their memory). */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

const url = (port: number) => `http://127.0.0.1:${port}`;

/**
 * How the stack writes, in a function's log, what it saw of that function;
 * what went wrong with an instance is also a notice in the console.
 */
function sayOf(sink: LogSink, name: string, traces?: TraceStore) {
  return (message: string, severity = 'NOTICE') => {
    sink.write(
      JSON.stringify({severity, message, service: name, component: 'stack'}),
    );
    if (severity === 'ERROR')
      traces?.notice({
        time: new Date().toISOString(),
        service: name,
        severity,
        message,
      });
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  functionsNode(); // on any other Node.js, say so before starting anything
  const mode = options.mode ?? 'cloud';
  const topology = options.topology ?? loadTopology();
  const names = topology.functions.map(f => f.name);
  const handRun = options.handRun ?? [];
  for (const name of handRun)
    if (!names.includes(name))
      throw new Error(
        `No function ${name} to leave out (there are ${names.join(', ')})`,
      );
  const started = names.filter(name => !handRun.includes(name));
  const projectId = options.projectId ?? 'local-s2s';
  const accounts = accountsFor(topology, projectId);
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    stoppers.length = 0;
    if (options.stackFile) rmSync(options.stackFile, {force: true});
  };

  try {
    let consoleUrl: string | undefined;
    let traces: TraceStore | undefined;
    if (options.consolePort !== undefined) {
      traces = new TraceStore();
      const localConsole = new LocalConsole({
        traces,
        topology,
        accounts,
        root: ROOT,
      });
      consoleUrl = await listenOn(options.consolePort, 'CONSOLE_PORT', port =>
        localConsole.listen(port),
      );
      stoppers.push(() => localConsole.close());
    }
    const logTarget: LogTarget = {
      dir: options.logs,
      print: options.print,
      onLine: traces && ((_source, line) => traces.ingest(line)),
    };

    const urls: Record<string, string> = {};
    for (const name of names) {
      const wanted = options.ports?.[name];
      if (wanted) {
        await assertPortFree(
          wanted,
          `Set ${name.toUpperCase()}_PORT to use another.`,
        );
        urls[name] = url(wanted);
      } else {
        urls[name] = url(await freePort());
      }
    }
    // In cloud mode callers reach a function at its front end; the function
    // itself listens on a port of its own behind it.
    const listens: Record<string, string> = {};
    for (const name of names)
      listens[name] = mode === 'cloud' ? url(await freePort()) : urls[name];

    let firestoreHost = options.firestoreHost;
    if (firestoreHost === undefined) {
      const logFile = logFileOf({dir: options.logs}, 'firestore');
      const emulator: RunningEmulator = await startFirestoreEmulator({logFile});
      stoppers.push(emulator.stop);
      firestoreHost = emulator.host;
    }

    const endUserAccounts = seedAccounts();
    const identity = new IdentityServer(accounts, projectId, endUserAccounts);
    const issuer = await identity.start();
    stoppers.push(() => identity.stop());

    let connector: string | undefined;
    if (mode === 'cloud') {
      const standIns = await startCloudRunStandIns({
        topology,
        projectId,
        urls,
        listens,
        accounts,
        issuer,
        logs: logTarget,
        connectorPort: options.connectorPort,
      });
      stoppers.push(standIns.stop);
      connector = standIns.connector;
    }

    const where: StackLayout = {
      mode,
      topology,
      projectId,
      urls,
      firestoreHost,
      issuer,
      connector,
      ...(consoleUrl !== undefined && {
        tracesEndpoint: `${consoleUrl}/v1/traces`,
      }),
    };
    const children: Record<string, ChildProcess> = {};
    // Stopped on purpose (stop, stopFunction): not replaced.
    const stopped = new Set<string>();
    const startFunction = (name: string) => {
      const {memory} = topology.get(name).resources;
      const child = spawnFunction(
        topology.get(name).entryPoint,
        Number(new URL(listens[name]).port),
        functionEnv(name, where, options),
        {...options, memory},
      );
      const sink = pipeLogs(name, child, logTarget);
      children[name] = child;
      const startedAt = Date.now();
      // Over its memory limit, an instance is ended as Cloud Run ends it,
      // with Cloud Run's line in its log; it is then replaced like any
      // other instance that exits.
      const limit = memoryBytes(memory);
      const unwatch = watchMemory(child.pid!, limit, used => {
        sayOf(sink, name, traces)(memoryExceededMessage(limit, used), 'ERROR');
        child.kill('SIGKILL');
      });
      // An instance that exits is replaced, as Cloud Run starts a new one:
      // a function ends itself after an uncaught exception (lifecycle.ts).
      // One that dies young waits a little, so a broken function does not
      // restart in a tight loop.
      child.once('exit', (code, signal) => {
        unwatch();
        if (stopped.has(name)) return;
        sayOf(
          sink,
          name,
          traces,
        )(
          `the ${name} function exited (${signal ?? `code ${code}`}); starting a new instance`,
          'ERROR',
        );
        const delay = Date.now() - startedAt < 2000 ? 2000 : 0;
        setTimeout(() => {
          if (!stopped.has(name)) startFunction(name);
        }, delay).unref();
      });
    };
    // A function left to be run by hand: say where it is awaited, and when
    // it answers or stops answering, as the stack would of its own.
    const awaitHandRun = (name: string) => {
      const sink = logSink(name, logTarget);
      const say = sayOf(sink, name, traces);
      say(
        `waiting for the ${name} function on ${listens[name]}: run it yourself: ${handRunCommand(name)}`,
      );
      // A connection, not a request: the function's own log stays its own.
      let up = false;
      const poll = setInterval(() => {
        void accepts(listens[name]).then(listening => {
          if (listening && !up)
            say(`the ${name} function listens on ${listens[name]}`);
          if (!listening && up)
            say(`the ${name} function stopped: waiting for it again`);
          up = listening;
        });
      }, 500);
      poll.unref();
      return async () => {
        clearInterval(poll);
        await sink.close();
      };
    };
    const stopFunction = async (name: string) => {
      stopped.add(name);
      await stopGroup(children[name]);
    };
    for (const name of started) {
      startFunction(name);
      stoppers.push(() => stopFunction(name));
    }
    for (const name of handRun) stoppers.push(awaitHandRun(name));
    await Promise.all(
      started.map(name =>
        // As Cloud Run checks a start: a connection, no request in its log.
        waitFor(
          `The ${name} function`,
          () => accepts(listens[name]),
          30_000,
          children[name],
        ),
      ),
    );

    if (options.seed !== false)
      await (
        await seededEmulatorProject(projectId, firestoreHost, topology)
      ).terminate();

    const info = {
      projectId,
      mode,
      urls,
      listens,
      ...(connector === undefined ? {} : {connector}),
      ...(consoleUrl === undefined ? {} : {console: consoleUrl}),
      firestore: firestoreHost,
      databases: Object.fromEntries(
        topology.declared.flatMap(f =>
          f.firestore === undefined ? [] : [[f.name, f.firestore.database]],
        ),
      ),
      identity: issuer.hosts,
      issuer: {url: issuer.issuer, certsUrl: issuer.certsUrl},
      accounts,
      endUsers: {
        auth: options.endUserAuth ?? 'on',
        ...issuer.endUsers,
        adminToken: identity.toolkit.adminToken,
        accounts: endUserAccounts.map(a => ({
          email: a.email,
          password: a.password,
          uid: a.uid,
          admin: a.claims?.role === 'admin',
        })),
      },
      handRun,
      env: Object.fromEntries(
        names.map(name => [
          name,
          handRunEnv(
            functionEnv(name, where, options),
            Number(new URL(listens[name]).port),
            topology.get(name).resources.memory,
          ),
        ]),
      ),
    } as StackInfo;
    if (options.stackFile) {
      mkdirSync(path.dirname(options.stackFile), {recursive: true});
      writeFileSync(options.stackFile, JSON.stringify(info, null, 2) + '\n');
    }
    const pids = Object.fromEntries(started.map(n => [n, children[n].pid!]));
    return {
      info,
      layout: where,
      identity,
      pids,
      stop,
      stopFunction,
    };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

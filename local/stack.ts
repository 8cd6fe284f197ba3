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
import {rmSync} from 'node:fs';
import {loadTopology, type Topology} from '../scripts/topology';
import {
  startFirestoreEmulator,
  type RunningEmulator,
} from './firestore-emulator';
import {startCloudRunStandIns} from './cloud-run';
import {
  accountsFor,
  functionEnv,
  ROOT,
  spawnFunction,
  type StackLayout,
  type SpawnOptions,
  type StackMode,
} from './functions';
import {IdentityServer} from './identity-server';
import {awaitHandRun, functionInstances} from './instances';
import {LocalConsole} from './console/server';
import {TraceStore} from './console/traces';
import {logFileOf, type LogTarget} from './logs';
import {
  assertPortFree,
  freePort,
  listenOn,
  waitFor,
  accepts,
} from './processes';
import {functionsNode} from './runtime';
import {seedAccounts, seededEmulatorProject} from './seed';
import {stackInfo, writeStackFile, type StackInfo} from './stack-info';

export {accountsFor, functionEnv, ROOT, spawnFunction, type StackMode};

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
    const instances = functionInstances({
      layout: where,
      listens,
      options,
      logs: logTarget,
      traces,
    });
    for (const name of started) {
      instances.start(name);
      stoppers.push(() => instances.stop(name));
    }
    for (const name of handRun)
      stoppers.push(awaitHandRun(name, listens[name], logTarget, traces));
    await Promise.all(
      started.map(name =>
        // As Cloud Run checks a start: a connection, no request in its log.
        waitFor(
          `The ${name} function`,
          () => accepts(listens[name]),
          30_000,
          instances.children[name],
        ),
      ),
    );

    if (options.seed !== false)
      await (
        await seededEmulatorProject(projectId, firestoreHost, topology)
      ).terminate();

    const info = stackInfo({
      layout: where,
      listens,
      consoleUrl,
      accounts,
      adminToken: identity.toolkit.adminToken,
      endUserAccounts,
      handRun,
      options,
    });
    if (options.stackFile) writeStackFile(options.stackFile, info);
    const pids = Object.fromEntries(
      started.map(n => [n, instances.children[n].pid!]),
    );
    return {
      info,
      layout: where,
      identity,
      pids,
      stop,
      stopFunction: instances.stop,
    };
  } catch (e: unknown) {
    await stop();
    throw e;
  }
}

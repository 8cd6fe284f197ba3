/**
 * One function of the local stack: the environment it starts with, built
 * from topology.json and what surrounds it on this machine, and its process,
 * `functions-framework --target=<name>`, as on Google Cloud, from the
 * stack's own entry point (function-entry.cts), which passes in what only
 * the stack switches.
 */
import type {ChildProcess} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import * as path from 'node:path';
import {
  functionEnv as topologyEnv,
  serviceAccountEmail,
  type Topology,
} from '../scripts/topology';
import type {IdentityInfo} from './identity-server';
import {heapFlags, memoryBytes} from './memory';
import {spawnGroup} from './processes';
import {functionsNode} from './runtime';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The stack's entry point (function-entry.cts): the functions of
 * functions/index.cts, with the switches of function-switches.ts.
 */
export const LOCAL_ENTRY = path.join(__dirname, 'function-entry.cjs');

/** How long ended spans wait to be exported to the console, in ms. */
const LOCAL_EXPORT_DELAY_MS = 200;

/**
 * How the stack checks calls between functions:
 * - `cloud`: as on Google Cloud: each function behind a local Cloud Run front
 *   end (ingress, invoker check, signature stripped), calls through the
 *   local VPC connector, functions in TOKEN_CHECK=platform;
 * - `verify`: no front end; each function verifies tokens itself.
 */
export type StackMode = 'cloud' | 'verify';

/** Where a function's collaborators are: what its environment is made of. */
export interface StackLayout {
  mode: StackMode;
  topology: Topology;
  projectId: string;
  /** The URL of each function as callers call it: also its token audience. */
  urls: Record<string, string>;
  firestoreHost: string;
  issuer: IdentityInfo;
  /** host:port of the local VPC connector (cloud mode). */
  connector?: string;
  /** Where the functions export their spans: the console's OTLP receiver, when it runs. */
  tracesEndpoint?: string;
}

export interface FunctionOptions {
  /**
   * "off": no service tokens sent or checked anywhere (the benchmark's
   * auth-off variant): every function takes calls from anyone.
   */
  serviceTokens?: 'off';
  /** END_USER_AUTH for every function: "off" is the original demo's open API. */
  endUserAuth?: 'on' | 'off';
  logLevel?: string;
  /** Extra environment for every function (the benchmark's variants). */
  env?: Record<string, string>;
}

/** Service account emails, one per function, as topology.json names them. */
export function accountsFor(
  topology: Topology,
  projectId: string,
): Record<string, string> {
  return Object.fromEntries(
    topology.declared.map(f => [
      f.name,
      serviceAccountEmail(f.serviceAccount, projectId),
    ]),
  );
}

/**
 * The environment of one function: what it is deployed with (from the
 * topology), and in place of Google's services their local stand-ins: its
 * own metadata server for the account it runs as, the issuer's keys, the
 * Firestore emulator, and the VPC connector. The stack's switches
 * (function-switches.ts: the connector, calls without tokens, the tests'
 * topology) are read by the stack's entry point, which FUNCTION_SOURCE
 * names: the Functions Framework reads it as --source. Nothing else of
 * this process's environment but PATH.
 */
export function functionEnv(
  name: string,
  where: StackLayout,
  options: FunctionOptions = {},
): Record<string, string> {
  const spec = where.topology.get(name);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    // As Google's Node.js buildpack sets it at launch (cmd/nodejs/npm in
    // GoogleCloudPlatform/buildpacks): the framework then prints no banner
    // naming the port behind the front end.
    NODE_ENV: 'production',
    FUNCTION_SOURCE: LOCAL_ENTRY,
    ...topologyEnv(where.topology, name, {
      projectId: where.projectId,
      urls: where.urls,
      tokenCheck: where.mode === 'cloud' ? 'platform' : 'verify',
      endUserAuth: options.endUserAuth,
    }),
    GCE_METADATA_HOST: where.issuer.hosts[name],
    TOKEN_ISSUER: where.issuer.issuer,
    TOKEN_CERTS_URL: where.issuer.certsUrl,
    // Issuer and audience are Identity Platform's own; only the keys, and
    // the accounts that admin routes look up, are local.
    END_USER_CERTS_URL: where.issuer.endUsers.certsUrl,
    END_USER_TOOLKIT_URL: where.issuer.endUsers.identityToolkit,
  };
  // Every request traced, whatever the topology gives Google Cloud: the
  // console shows each request's trace.
  env.OTEL_TRACES_SAMPLER_ARG = '1';
  if (options.logLevel !== undefined) env.LOG_LEVEL = options.logLevel;
  if (options.serviceTokens === 'off') {
    env.ALLOWED_CALLERS = 'anyone';
    env.CALL_TOKENS = 'off';
  }
  // The functions read their entry points from the same topology.
  if (where.topology.file !== undefined)
    env.TOPOLOGY_FILE = where.topology.file;
  if (spec.firestore !== undefined)
    env.FIRESTORE_EMULATOR_HOST = where.firestoreHost;
  if (spec.vpcEgress && where.connector !== undefined)
    env.EGRESS_PROXY = `http://${where.connector}`;
  // Exported as on Google Cloud, over OTLP/HTTP, but sooner: a person (or a
  // test) at the console waits for a request's spans.
  if (where.tracesEndpoint !== undefined) {
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = where.tracesEndpoint;
    env.OTEL_BSP_SCHEDULE_DELAY = String(LOCAL_EXPORT_DELAY_MS);
  }
  return {...env, ...options.env};
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

export interface SpawnOptions {
  /**
   * The module exporting the functions; by default FUNCTION_SOURCE (the
   * stack's entry point, in functionEnv's environment), else
   * package.json's "main".
   */
  source?: string;
  /** Extra arguments for node itself, e.g. ['--cpu-prof'] to profile the functions. */
  nodeArgs?: string[];
  /**
   * Its memory limit (topology.json's `memory`, e.g. "512Mi"): its heap is
   * sized as Node sizes it in a container of that size (memory.ts).
   */
  memory?: string;
}

/** Makes the framework's server listen on loopback only (loopback-only.ts). */
export const LOOPBACK_ONLY = path.join(__dirname, 'loopback-only.js');

/**
 * What a person needs, besides `functionEnv`, to run a function by hand in
 * the stack's place: its port, and in NODE_OPTIONS (they start the
 * framework themselves) the loopback-only preload and the heap of its
 * memory limit.
 */
export function handRunEnv(
  env: Record<string, string>,
  port: number,
  memory: string,
): Record<string, string> {
  const rest = {...env};
  delete rest.PATH; // theirs, not the stack's
  return {
    ...rest,
    PORT: String(port),
    NODE_OPTIONS: [
      `--require ${JSON.stringify(LOOPBACK_ONLY)}`,
      ...heapFlags(memoryBytes(memory), env.NODE_OPTIONS),
      ...(env.NODE_OPTIONS === undefined ? [] : [env.NODE_OPTIONS]),
    ].join(' '),
  };
}

/**
 * Starts `functions-framework --target=<target>` as a process group of its
 * own, listening on loopback only, on the runtime's Node.js (runtime.ts).
 */
export function spawnFunction(
  target: string,
  port: number,
  env: Record<string, string>,
  options: SpawnOptions = {},
): ChildProcess {
  const args = [
    ...(options.memory === undefined
      ? []
      : heapFlags(memoryBytes(options.memory), env.NODE_OPTIONS)),
    ...(options.nodeArgs ?? []),
    '--require',
    LOOPBACK_ONLY,
    frameworkCli(),
    `--target=${target}`,
    `--port=${port}`,
  ];
  if (options.source !== undefined) args.push(`--source=${options.source}`);
  return spawnGroup(functionsNode(), args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

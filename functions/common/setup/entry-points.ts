/**
 * What an entry point the Functions Framework loads exports: one function
 * per function of topology.json, under its entry point, built by the
 * `create` export of its folder (`functions/<name>/`, or the folder its
 * `source` names). functions/index.cts is the one deployed; the local
 * stack's (local/function-entry.cts) passes its stand-ins in.
 *
 * The exports are getters, so only the target's module is loaded and
 * configured: the gateway never loads Firestore, and each function reads its
 * configuration once, at start, failing there if it is wrong.
 */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {parseTopology} from '../../../scripts/topology-parse';
import {parseConfig} from '../platform/config';
import {lazyFunction} from '../platform/lazy';
import {ConfigError} from '../platform/variables';
import type {FunctionFactory, Wiring} from './wiring';

/** What a function's folder exports. */
interface FunctionModule {
  create: FunctionFactory;
}

/**
 * The compiled project: build/ locally and on Google Cloud alike (gcp-build
 * compiles into it), with topology.json beside it.
 */
const BUILD = path.resolve(__dirname, '..', '..', '..');

/** The project's own topology.json, the one deployed with the functions. */
export const TOPOLOGY_FILE = path.join(BUILD, '..', 'topology.json');

/**
 * Each function of `file`: its name, entry point and folder, read with the
 * same checks as deploy.sh and the local stack read it
 * (scripts/topology-parse.js).
 */
function functionsOf(
  file: string,
): {name: string; entryPoint: string; folder: string}[] {
  const topology = parseTopology(JSON.parse(readFileSync(file, 'utf8')));
  return topology.declared.map(f => ({
    name: f.name,
    entryPoint: f.entryPoint,
    folder: path.join(BUILD, f.source ?? path.join('functions', f.name)),
  }));
}

/**
 * What a person who started a function with the wrong environment reads:
 * what is wrong, and how to get it right, instead of the framework's "Is
 * there a syntax error in your code?" and a stack trace.
 */
function missingEnvironment(name: string, error: ConfigError): string {
  return `The ${name} function cannot start: its environment is incomplete or wrong.
  ${error.problems.join('\n  ')}
To run it by hand against the local stack, start the stack without it
(npm start -- --except ${name}), then, in another terminal:
  eval "$(npm run -s env -- ${name})" && npx functions-framework --target=${name} | npm run -s logs -- ${name}
On Google Cloud, deploy.sh sets these variables from topology.json.
`;
}

/** `build()`, or the message above and exit 1 when the environment is wrong. */
function configured(name: string, build: () => HttpFunction): HttpFunction {
  try {
    return build();
  } catch (e: unknown) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(missingEnvironment(name, e));
    process.exit(1);
  }
}

/** How an entry point builds its functions; production's unless given. */
export interface EntryOptions {
  /** The topology whose functions it exports: the project's own by default. */
  topologyFile?: string;
  /** What each function's configuration is read from: the process's environment by default. */
  env?: NodeJS.ProcessEnv;
  /** Collaborators in place of production's, for every function (wiring.ts). */
  overrides?: Partial<Wiring>;
}

/**
 * Defines on `target` (an entry point's `exports`) one getter per function
 * of the topology, which builds it on first use.
 */
export function exportFunctions(
  target: object,
  options: EntryOptions = {},
): void {
  for (const {name, entryPoint, folder} of functionsOf(
    options.topologyFile ?? TOPOLOGY_FILE,
  ))
    Object.defineProperty(
      target,
      entryPoint,
      lazyFunction(() =>
        configured(name, () =>
          (require(path.join(folder, 'index')) as FunctionModule).create(
            parseConfig(name, options.env),
            options.overrides,
          ),
        ),
      ),
    );
}

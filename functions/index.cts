/**
 * The entry point the Functions Framework loads (package.json "main").
 * `functions-framework --target=gateway` reads one export: one per function
 * of topology.json, under its entry point, built by the `create` export of
 * its folder (`functions/<name>/`, or the folder its `source` names).
 *
 * The exports are getters, so only the target's module is loaded and
 * configured: the gateway never loads Firestore, and each function reads its
 * configuration once, at start, failing there if it is wrong.
 *
 * A .cts file, compiled to index.cjs: the framework loads a `.cjs` entry
 * point as CommonJS straight away, where for a `.js` one it first imports
 * read-package-up (a graph of ES modules) to find the nearest package.json
 * and its "type", on every start of every instance.
 */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {parseTopology} from '../scripts/topology-parse';
import {ConfigError} from './common/variables';
import {installFrameworkPatches} from './common/framework';
import {lazyFunction} from './common/lazy';
import type {FunctionFactory} from './common/wiring';

/** What a function's folder exports. */
interface FunctionModule {
  create: FunctionFactory;
}

/**
 * The compiled project: build/ locally and on Google Cloud alike (gcp-build
 * compiles into it), with topology.json beside it.
 */
const BUILD = path.resolve(__dirname, '..');

/**
 * Each function of topology.json: its name, entry point and folder, read
 * with the same checks as deploy.sh and the local stack read it
 * (scripts/topology-parse.js); TOPOLOGY_FILE names another copy (the
 * tests').
 */
function functionsOf(
  file = process.env.TOPOLOGY_FILE ?? path.join(BUILD, '..', 'topology.json'),
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

// Before the framework builds its server (it does once it has read the
// target's export): see framework.ts.
installFrameworkPatches();

for (const {name, entryPoint, folder} of functionsOf())
  Object.defineProperty(
    exports,
    entryPoint,
    lazyFunction(() =>
      configured(name, () =>
        (require(path.join(folder, 'index')) as FunctionModule).create(),
      ),
    ),
  );

/**
 * How an entry point the Functions Framework loads registers its functions:
 * one `functions.http(name, handler)` per entry of the list it is given
 * (functions/catalog.ts), built by the `create` export of its folder.
 * functions/index.cts is the one deployed; the local stack's
 * (local/function-entry.cts) passes its stand-ins in. Each function's
 * configuration is its environment alone: deploy.sh and the local stack
 * derive it from topology.json, which no function reads.
 *
 * Every function of the project is registered, since one source is deployed
 * once per function, but only the framework's target is built at start
 * (its module loaded, its configuration read, failing there if it is
 * wrong): the gateway never loads Firestore. Another registered function is
 * built on its first request, which no deployed instance receives.
 */
import * as framework from '@google-cloud/functions-framework';
import type {HttpFunction} from '@google-cloud/functions-framework';
import {serveRequest} from '../http/lifecycle';
import {parseConfig, type Config} from '../platform/config';
import {onFirstUse} from '../platform/lazy';
import {ConfigError} from '../platform/variables';
import type {Wiring} from './wiring';

/** What a function's folder exports (its FunctionFactory, as entry points call it). */
export interface FunctionModule {
  create(config: Config, overrides?: Partial<Wiring>): HttpFunction;
}

/** The functions an entry point registers: each one's folder, loaded on first use, by name. */
export type FunctionModules = Readonly<Record<string, () => FunctionModule>>;

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

/**
 * The function the framework serves: FUNCTION_TARGET, which Cloud Run sets
 * on every instance of a function (and the framework reads), or the
 * `--target` it was started with. Undefined when the entry is loaded by
 * something else than the framework's command line.
 */
export function frameworkTarget(
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
): string | undefined {
  // As the framework parses its command line (minimist): the last one wins.
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--target=')) target = argv[i].slice(9);
    else if (argv[i] === '--target' && i + 1 < argv.length) target = argv[++i];
  }
  return target ?? env.FUNCTION_TARGET;
}

/** How an entry point builds its functions; production's unless given. */
export interface EntryOptions {
  /** What each function's configuration is read from: the process's environment by default. */
  env?: NodeJS.ProcessEnv;
  /** Collaborators in place of production's, for every function (wiring.ts). */
  overrides?: Partial<Wiring>;
}

/**
 * Registers with the framework each function of `functions`, the target
 * built now and the others on first use, each one's requests counted in
 * flight for a gentle shutdown (lifecycle.ts).
 */
export function registerFunctions(
  functions: FunctionModules,
  options: EntryOptions = {},
): void {
  const target = frameworkTarget(options.env ?? process.env, process.argv);
  for (const [name, load] of Object.entries(functions)) {
    const build = onFirstUse(() =>
      configured(name, () =>
        load().create(parseConfig(name, options.env), options.overrides),
      ),
    );
    if (name === target) build();
    framework.http(
      name,
      serveRequest((req, res) => build()(req, res)),
    );
  }
}

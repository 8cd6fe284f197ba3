/**
 * What an entry point the Functions Framework loads exports: one function
 * per entry of the list it is given (functions/catalog.ts), under its entry
 * point, built by the `create` export of its folder. functions/index.cts is
 * the one deployed; the local stack's (local/function-entry.cts) passes its
 * stand-ins in. Each function's configuration is its environment alone:
 * deploy.sh and the local stack derive it from topology.json, which no
 * function reads.
 *
 * The exports are getters, so only the target's module is loaded and
 * configured: the gateway never loads Firestore, and each function reads its
 * configuration once, at start, failing there if it is wrong.
 */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {parseConfig} from '../platform/config';
import {lazyFunction} from '../platform/lazy';
import {ConfigError} from '../platform/variables';
import type {FunctionFactory, Wiring} from './wiring';

/** What a function's folder exports. */
export interface FunctionModule {
  create: FunctionFactory;
}

/** The functions an entry point exports: each one's folder, loaded on first use, by entry point. */
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

/** How an entry point builds its functions; production's unless given. */
export interface EntryOptions {
  /** What each function's configuration is read from: the process's environment by default. */
  env?: NodeJS.ProcessEnv;
  /** Collaborators in place of production's, for every function (wiring.ts). */
  overrides?: Partial<Wiring>;
}

/**
 * Defines on `target` (an entry point's `exports`) one getter per function
 * of `functions`, which builds it on first use.
 */
export function exportFunctions(
  target: object,
  functions: FunctionModules,
  options: EntryOptions = {},
): void {
  for (const [name, load] of Object.entries(functions))
    Object.defineProperty(
      target,
      name,
      lazyFunction(() =>
        configured(name, () =>
          load().create(parseConfig(name, options.env), options.overrides),
        ),
      ),
    );
}

/**
 * The entry point the Functions Framework loads (package.json "main").
 * `functions-framework --target=gateway` (or user, order) reads one export.
 *
 * The exports are getters, so only the target's module is loaded and
 * configured: the gateway never loads Firestore, and each function reads its
 * configuration once, at start, failing there if it is wrong. The modules
 * are required on first access; their types are imported (and erased) so a
 * renamed factory fails to compile.
 */
import type {HttpFunction} from '@google-cloud/functions-framework';
import {ConfigError} from './common/config';
import {installFrameworkPatches} from './common/framework';
import {lazyFunction} from './common/lazy';
import type * as Gateway from './gateway/index';
import type * as Order from './order/index';
import type * as User from './user/index';

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
  eval "$(npm run -s env -- ${name})" && npx functions-framework --target=${name}
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

Object.defineProperties(exports, {
  gateway: lazyFunction(() =>
    configured('gateway', () =>
      (require('./gateway/index') as typeof Gateway).createGateway(),
    ),
  ),
  user: lazyFunction(() =>
    configured('user', () =>
      (require('./user/index') as typeof User).createUser(),
    ),
  ),
  order: lazyFunction(() =>
    configured('order', () =>
      (require('./order/index') as typeof Order).createOrder(),
    ),
  ),
});

/**
 * The entry point the local stack starts its functions with: the functions
 * of the topology in use (function-modules.ts: functions/index.cts's, and
 * the tests' fixture functions), with what only the stack, its tests and the
 * benchmark switch (function-switches.ts) read from the environment and
 * passed in. Each function's environment names it (FUNCTION_SOURCE, which
 * the Functions Framework reads as --source: functions.ts functionEnv), so
 * `npx functions-framework --target=<name>` run by hand with `npm run env`'s
 * variables starts it too. Never deployed (.gcloudignore leaves local/ out),
 * and it refuses to run on Cloud Run.
 *
 * A .cts file, as functions/index.cts is and for the same reason: the
 * framework loads it without first looking for a package.json.
 */
import * as path from 'node:path';
import {FUNCTIONS} from '../functions/catalog';
import {registerFunctions} from '../functions/common/setup/entry-points';
import {installFrameworkPatches} from '../functions/common/http/framework';
import {installFrameworkFastPath} from '../functions/common/tuning/framework-fast-path';
import {installHttpCalls} from '../functions/common/tuning/http-calls';
import {installFirestoreRestFirst} from '../functions/common/tuning/firestore-rest-first';
import {ConfigError} from '../functions/common/platform/variables';
import {loadTopology} from '../scripts/topology';
import {functionModules} from './function-modules';
import {takeLocalSwitches, wiringOf} from './function-switches';

/** `read()`, or what is wrong and exit 1. */
function orExit<T>(read: () => T): T {
  try {
    return read();
  } catch (e: unknown) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(
      `The local stack's entry point cannot start:\n  ${e.problems.join('\n  ')}\n`,
    );
    process.exit(1);
  }
}

const {switches, env} = orExit(() => takeLocalSwitches(process.env));

// Before the framework builds its server: the body guards and the gentle
// shutdown, see framework.ts.
installFrameworkPatches();

// The tuning lines, one per device, for speed alone: without them the
// functions work as they do, slower (docs/tuning.md; the stack runs so in
// test/e2e/untuned.test.ts).
installFrameworkFastPath({skip: switches.frameworkDomain}); // tuning: no per-request domain (framework-fast-path.ts)
installHttpCalls(); // tuning: node:http for calls between functions (http-calls.ts)
installFirestoreRestFirst(); // tuning: Firestore over REST first, then gRPC (firestore-rest-first.ts)

// The compiled project, build/, where a function's `source` folder is.
const BUILD = path.resolve(__dirname, '..');

registerFunctions(
  orExit(() =>
    functionModules(loadTopology(switches.topologyFile), FUNCTIONS, BUILD),
  ),
  {env, overrides: wiringOf(switches)},
);

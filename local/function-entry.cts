/**
 * The entry point the local stack starts its functions with: the functions
 * of functions/index.cts, with what only the stack, its tests and the
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
import {exportFunctions} from '../functions/common/setup/entry-points';
import {installFrameworkPatches} from '../functions/common/http/framework';
import {ConfigError} from '../functions/common/platform/variables';
import {takeLocalSwitches, wiringOf} from './function-switches';

/** The switches, or what is wrong with them and exit 1. */
function switchesOrExit(): ReturnType<typeof takeLocalSwitches> {
  try {
    return takeLocalSwitches(process.env);
  } catch (e: unknown) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(
      `The local stack's entry point cannot start:\n  ${e.problems.join('\n  ')}\n`,
    );
    process.exit(1);
  }
}

const {switches, env} = switchesOrExit();

// Before the framework builds its server: see framework.ts.
installFrameworkPatches({frameworkDomain: switches.frameworkDomain});

exportFunctions(exports, {
  topologyFile: switches.topologyFile,
  env,
  overrides: wiringOf(switches),
});

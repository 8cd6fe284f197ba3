/**
 * The Functions Framework without its per-request `domain` and its
 * AsyncLocalStorage middleware: for speed alone (docs/tuning.md,
 * docs/framework.md part 3). The framework (5.x) runs every HTTP request in
 * `domain.create().run(...)` (function_wrappers.js), so that an exception
 * thrown asynchronously ends that request with a 500 while the process
 * goes on serving; once a domain exists, Node tracks every promise of the
 * process with an async hook (nodejs/node#50480, #57724), a cost on every
 * request. Without the domain, such an exception ends the instance
 * (lifecycle.ts), as Node advises. Without this line the framework serves
 * as it ships, around the same registered functions. Can go when the
 * framework drops the deprecated `domain` module.
 */
import {frameworkRequire} from '../http/framework-modules';

interface WrappersModule {
  wrapUserFunction: (fn: unknown, signatureType: string) => unknown;
}
interface OptionsModule {
  logExecutionIdSupported: boolean;
}

/** On the framework's module, not this one: see GUARDED in http/framework.ts. */
const INSTALLED = Symbol.for('functions-s2s.frameworkFastPath');

/**
 * The tuning line (functions/index.cts, local/function-entry.cts), once per
 * process (later calls do nothing), before the framework builds its server
 * (it does once it has loaded the entry point). `skip`: the framework as
 * it ships (FRAMEWORK_DOMAIN=on, the benchmark's baseline, read by the local
 * stack's entry alone: local/function-switches.ts).
 */
export function installFrameworkFastPath(options: {skip?: boolean} = {}): void {
  if (options.skip) return;
  const wrappers = frameworkRequire('./function_wrappers') as WrappersModule;
  const marks = wrappers as unknown as Record<symbol, boolean>;
  if (marks[INSTALLED]) return;
  marks[INSTALLED] = true;
  const frameworkOptions = frameworkRequire('./options') as OptionsModule;

  // server.js installs its AsyncLocalStorage middleware when this flag is
  // set; the options were parsed already, so it no longer gates the option.
  const executionIds = (process.env.LOG_EXECUTION_ID ?? '').toLowerCase();
  if (executionIds !== 'true') frameworkOptions.logExecutionIdSupported = false;

  // An HTTP function is served as it is: the entry points register each
  // one answering its own failures (lifecycle.ts serveRequest).
  const wrapUserFunction = wrappers.wrapUserFunction;
  wrappers.wrapUserFunction = (fn, signatureType) =>
    signatureType === 'http' ? fn : wrapUserFunction(fn, signatureType);
}

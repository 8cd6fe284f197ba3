/**
 * The Functions Framework without its per-request `domain` and its
 * AsyncLocalStorage middleware, the process's signals and crashes in
 * lifecycle.ts's hands: for speed alone (docs/tuning.md,
 * docs/framework.md part 2). The framework (5.x) runs every HTTP request in
 * `domain.create().run(...)` (function_wrappers.js), which makes Node track
 * every promise of the process; lifecycle.ts says what stands in for it.
 * Without this the framework serves as it ships, the body guards
 * (http/framework.ts) still in place. Can go when the framework drops the
 * deprecated `domain` module and leaves SIGTERM and uncaught exceptions to
 * the function.
 */
import {frameworkRequire} from '../http/framework-modules';
import {
  takeOverProcess,
  wrapHttpFunction,
  type Handler,
} from '../http/lifecycle';
import type {Server} from 'node:http';

interface WrappersModule {
  wrapUserFunction: (fn: unknown, signatureType: string) => unknown;
}
interface InvokerModule {
  ErrorHandler: {prototype: {register(this: {server: Server}): void}};
}
interface OptionsModule {
  logExecutionIdSupported: boolean;
}

/** On the framework's module, not this one: see GUARDED in http/framework.ts. */
const INSTALLED = Symbol.for('functions-s2s.frameworkFastPath');

/**
 * The tuning line (functions/index.cts, local/function-entry.cts), once per
 * process (later calls do nothing), before the framework builds its server
 * (it does once it has read the target's export). `skip`: the framework as
 * it ships (FRAMEWORK_DOMAIN=on, the benchmark's baseline, read by the local
 * stack's entry alone: local/function-switches.ts).
 */
export function installFrameworkFastPath(options: {skip?: boolean} = {}): void {
  if (options.skip) return;
  const wrappers = frameworkRequire('./function_wrappers') as WrappersModule;
  const marks = wrappers as unknown as Record<symbol, boolean>;
  if (marks[INSTALLED]) return;
  marks[INSTALLED] = true;
  const invoker = frameworkRequire('./invoker') as InvokerModule;
  const frameworkOptions = frameworkRequire('./options') as OptionsModule;

  // server.js installs its AsyncLocalStorage middleware when this flag is
  // set; the options were parsed already, so it no longer gates the option.
  const executionIds = (process.env.LOG_EXECUTION_ID ?? '').toLowerCase();
  if (executionIds !== 'true') frameworkOptions.logExecutionIdSupported = false;

  const wrapUserFunction = wrappers.wrapUserFunction;
  wrappers.wrapUserFunction = (fn, signatureType) =>
    signatureType === 'http'
      ? wrapHttpFunction(fn as Handler)
      : wrapUserFunction(fn, signatureType);

  // main.js calls register() once its server listens.
  invoker.ErrorHandler.prototype.register = function () {
    takeOverProcess(this.server);
  };
}

/**
 * Runs each request without the Functions Framework's per-request `domain`.
 *
 * The framework (5.x, `build/src/function_wrappers.js`) wraps every HTTP
 * request in `domain.create().run(...)` so that an exception thrown
 * asynchronously from a request's code ends that request with a 500 instead
 * of the process. Once any domain exists, Node tracks every promise in the
 * process with an async hook (nodejs/node#50480, #57724; the module is
 * deprecated), which doubles the CPU a request costs here. It catches nothing
 * for us: our handlers are promise-based and every error they raise already
 * goes through one error path (http-function.ts).
 *
 * What the domain was for is kept, more cheaply: the request's response is
 * remembered in an AsyncLocalStorage (one init hook, no per-promise destroy
 * tracking), and an uncaught exception raised while a request's code runs
 * ends that request with a 500 problem document, is logged, and leaves the
 * process serving the others, as the domain did. Any other uncaught error
 * still goes to the framework's own process-level handler.
 *
 * The framework also runs every request inside an AsyncLocalStorage of its
 * own (an async Express middleware), read only when LOG_EXECUTION_ID=true
 * adds execution ids to console output. Unless that is asked for, the
 * middleware is left out: it costs a context switch and a promise per
 * request and serves nothing here (our logger writes its own request ids).
 *
 * FRAMEWORK_DOMAIN=on restores the framework's wrapper (the benchmark
 * measures both). A test fails if a framework upgrade changes the internals
 * this relies on, so that the replacement would silently stop applying.
 */
import {AsyncLocalStorage} from 'node:async_hooks';
import type {ServerResponse} from 'node:http';
import {createRequire} from 'node:module';
import {writeProblem} from './http-function';
import type {Logger} from './logger';
import {HttpError} from './problem';

type Handler = (req: unknown, res: ServerResponse) => unknown;
type UncaughtListener = (error: Error, origin: string) => void;

interface WrappersModule {
  wrapUserFunction: (fn: unknown, signatureType: string) => unknown;
}
interface InvokerModule {
  ErrorHandler: {prototype: {register(): void}};
}
interface OptionsModule {
  logExecutionIdSupported: boolean;
}

// The framework's own modules, wherever npm placed it (relative requires are
// not limited by its package exports).
const frameworkRequire = createRequire(
  require.resolve('@google-cloud/functions-framework'),
);
const wrappers = frameworkRequire('./function_wrappers') as WrappersModule;
const invoker = frameworkRequire('./invoker') as InvokerModule;
const frameworkOptions = frameworkRequire('./options') as OptionsModule;

const current = new AsyncLocalStorage<ServerResponse>();
let crashLogger: Logger | undefined;
let installed = false;

/** Ends `res` with a 500 problem document after an error escaped its request. */
function crashed(res: ServerResponse, error: unknown): void {
  crashLogger?.log('ERROR', 'uncaught exception in a request', {
    requestId: res.getHeader('x-request-id'),
    error:
      error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  if (res.writableEnded) return;
  const requestId = res.getHeader('x-request-id');
  writeProblem(
    res,
    new HttpError(500, 'An unexpected error occurred.'),
    typeof requestId === 'string' ? requestId : undefined,
  );
}

/** Whether LOG_EXECUTION_ID asks the framework to log execution ids. */
function executionIdsLogged(): boolean {
  return (process.env.LOG_EXECUTION_ID ?? '').toLowerCase() === 'true';
}

/** The framework's HTTP wrapper, without the domain. */
export function wrapHttpFunction(execute: Handler): Handler {
  return (req, res) =>
    current.run(res, () => {
      try {
        const ret = execute(req, res);
        if (ret instanceof Promise) ret.catch(e => crashed(res, e));
      } catch (e: unknown) {
        crashed(res, e);
      }
    });
}

/**
 * Replaces the framework's per-request domain for HTTP functions, once per
 * process, unless `keepFrameworkDomain`. Must run before the framework builds
 * its server, which it does after loading the function: building a function
 * (wiring.ts) is early enough.
 */
export function installRequestWrapper(options: {
  keepFrameworkDomain: boolean;
  logger: Logger;
}): void {
  crashLogger = options.logger;
  if (installed || options.keepFrameworkDomain) return;
  installed = true;

  // server.js installs its AsyncLocalStorage middleware when this flag is
  // set; the options were parsed already, so it no longer gates the option.
  if (!executionIdsLogged()) frameworkOptions.logExecutionIdSupported = false;

  const wrapUserFunction = wrappers.wrapUserFunction;
  wrappers.wrapUserFunction = (fn, signatureType) =>
    signatureType === 'http'
      ? wrapHttpFunction(fn as Handler)
      : wrapUserFunction(fn, signatureType);

  // The framework's uncaught-exception handler answers the latest request
  // and ends the process; give it only the errors no request owns.
  const register = invoker.ErrorHandler.prototype.register;
  invoker.ErrorHandler.prototype.register = function (this: unknown) {
    const before = new Set(process.listeners('uncaughtException'));
    register.call(this);
    for (const listener of process.listeners('uncaughtException')) {
      if (before.has(listener)) continue;
      process.removeListener('uncaughtException', listener);
      process.on('uncaughtException', (error, origin) => {
        const res = current.getStore();
        if (res === undefined) (listener as UncaughtListener)(error, origin);
        else crashed(res, error);
      });
    }
  };
}

/**
 * The one module that reaches into the Functions Framework (pinned to 5.0.x
 * in package.json, the versions whose internals the tests check) and the
 * Express it loads. `installFrameworkPatches` is called by each entry point
 * before the framework builds its server (functions/index.cts, the test and
 * benchmark entries), never as a side effect of building a function.
 *
 * 1. Body guards on Express's entry point. The framework parses request
 *    bodies before our function runs, with a 1 GB limit, and hands parse
 *    errors to Express's default handler, which answers with an HTML page
 *    (and a stack trace outside production). Here a body declared too large
 *    is refused before it is read, any body (declared or streamed) is read
 *    with our limit before the framework's parsers see it (they skip a
 *    request whose body has been read), and every framework error becomes a
 *    problem response like our own. Can go when the framework lets a
 *    function handle its own errors and limits
 *    (GoogleCloudPlatform/functions-framework-nodejs#686).
 * 2. No per-request `domain` (function_wrappers.js), no AsyncLocalStorage
 *    middleware unless LOG_EXECUTION_ID=true (options.js), and our own
 *    process handlers (invoker.js): see lifecycle.ts. Can go when the
 *    framework drops the deprecated `domain` module and leaves SIGTERM and
 *    uncaught exceptions to the function.
 *
 * FRAMEWORK_DOMAIN=on skips 2: the framework as it ships, the benchmark's
 * baseline. docs/framework.md says what each costs. A test fails, naming
 * it, if an upgrade changes an internal this relies on
 * (test/unit/functions/common/framework-internals.test.ts).
 */
import {createRequire} from 'node:module';
import type {IncomingMessage, Server, ServerResponse} from 'node:http';
import {frameworkDefaultsKept} from './config';
import {requestIdOf} from './context';
import {writeProblem} from './http-function';
import {takeOverProcess, wrapHttpFunction, type Handler} from './lifecycle';
import {
  HttpError,
  internalError,
  routeNotFound,
  ValidationError,
} from './problem';

/** Larger than any valid request of this API (an order of 100 items is ~10 KB). */
export const MAX_BODY_BYTES = 64 * 1024;

type Handle = (
  req: IncomingMessage,
  res: ServerResponse,
  callback?: (err?: unknown) => void,
) => void;

interface ExpressModule {
  application: {handle: Handle};
}

type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

interface BodyParserModule {
  json(options: {limit: number}): Middleware;
  raw(options: {limit: number; type: string}): Middleware;
}

interface WrappersModule {
  wrapUserFunction: (fn: unknown, signatureType: string) => unknown;
}
interface InvokerModule {
  ErrorHandler: {prototype: {register(this: {server: Server}): void}};
}
interface OptionsModule {
  logExecutionIdSupported: boolean;
}

// The framework's own modules and the Express it loads, wherever npm placed
// them (relative requires are not limited by its package exports).
const frameworkRequire = createRequire(
  require.resolve('@google-cloud/functions-framework'),
);
const express = frameworkRequire('express') as ExpressModule;
const wrappers = frameworkRequire('./function_wrappers') as WrappersModule;
const invoker = frameworkRequire('./invoker') as InvokerModule;
const frameworkOptions = frameworkRequire('./options') as OptionsModule;
const originalHandle = express.application.handle;
// The framework's own body-parser, with our limit: JSON parsed as the
// framework would, anything else read (and later refused with a 415).
const bodyParser = frameworkRequire('body-parser') as BodyParserModule;

/** Maps an error raised by the framework's body parsers to one of ours. */
export function frameworkError(err: unknown): HttpError {
  const e = err as {type?: unknown; status?: unknown};
  if (e.type === 'entity.parse.failed') {
    return new HttpError(
      400,
      'invalid-json',
      'The request body is not valid JSON.',
    );
  }
  if (e.type === 'entity.too.large') return tooLarge();
  // Express decodes the path before any route of ours sees it, and fails
  // on percent-encoding that is not UTF-8 (%ED%A0%80, a surrogate's).
  if (err instanceof URIError)
    return new ValidationError('The path is not valid.', [
      {field: 'path', message: 'is not valid percent-encoding'},
    ]);
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(
      e.status,
      'unreadable-body',
      'The request body could not be read.',
    );
  }
  return internalError();
}

function tooLarge(): HttpError {
  return new HttpError(
    413,
    'body-too-large',
    `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
  );
}

/** Checks the body's declared size before anything reads it. */
export function bodyPrecheck(req: IncomingMessage): HttpError | undefined {
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > MAX_BODY_BYTES)
    return tooLarge();
  return undefined;
}

const parseJson = bodyParser.json({limit: MAX_BODY_BYTES});
const readOther = bodyParser.raw({limit: MAX_BODY_BYTES, type: '*/*'});

/**
 * Reads the body, whatever its framing (a streamed one has no size to check
 * up front), stopping at MAX_BODY_BYTES with a 413.
 */
function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
): void {
  parseJson(req, res, err =>
    err === undefined ? readOther(req, res, next) : next(err),
  );
}

let installed = false;

/**
 * Installs the patches above, once per process (later calls do nothing);
 * with FRAMEWORK_DOMAIN=on the body guards only.
 */
export function installFrameworkPatches(
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (installed) return;
  installed = true;
  installBodyGuards();
  if (frameworkDefaultsKept(env)) return;

  // server.js installs its AsyncLocalStorage middleware when this flag is
  // set; the options were parsed already, so it no longer gates the option.
  const executionIds = (env.LOG_EXECUTION_ID ?? '').toLowerCase();
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

function installBodyGuards(): void {
  express.application.handle = function (this: unknown, req, res, callback) {
    if (callback !== undefined) {
      // A mounted sub-app: its parent already applied the guards.
      return originalHandle.call(this, req, res, callback);
    }
    // A body refused unread is left to Node, which reads and drops the rest
    // of it once the answer is sent (closing instead would reset a
    // connection whose sender is still writing, and the answer with it: a
    // front end would see no 413, only a broken connection).
    const refuse = (error: HttpError) => {
      // A parser that stopped at the limit left the rest paused: let it
      // flow away unread, or the sender would stall on a full socket.
      if (!req.complete) req.resume();
      writeProblem(res, error, requestIdOf(req.headers));
    };
    const refused = bodyPrecheck(req);
    if (refused !== undefined) return refuse(refused);
    readBody(req, res, (bodyError?: unknown) => {
      if (bodyError !== undefined) return refuse(frameworkError(bodyError));
      originalHandle.call(this, req, res, (err?: unknown) =>
        // Reached only when the framework failed before our function ran.
        refuse(err === undefined ? routeNotFound() : frameworkError(err)),
      );
    });
  };
}

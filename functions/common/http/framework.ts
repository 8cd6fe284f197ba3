/**
 * The one module that patches the Functions Framework (pinned to 5.0.x in
 * package.json, the versions whose internals the tests check) and the
 * Express it loads, besides the speed-only patch of
 * tuning/framework-fast-path.ts; both reach in through `frameworkRequire`
 * (framework-modules.ts), as router.ts does for Express's public router.
 * `installFrameworkPatches` is called by each entry point before the
 * framework builds its server (functions/index.cts, the local stack's, the
 * test and benchmark entries), never as a side effect of building a
 * function.
 *
 * 1. Body guards on Express's entry point. The framework parses request
 * bodies before our function runs, with a 1 GB limit, and hands parse
 * errors to Express's default handler, which answers with an HTML page
 * (and a stack trace outside production). Here a body declared too large
 * is refused before it is read, any body (declared or streamed) is read
 * with our limit before the framework's parsers see it (they skip a
 * request whose body has been read), and every framework error becomes a
 * problem response like our own. Can go when the framework lets a
 * function handle its own errors and limits
 * (GoogleCloudPlatform/functions-framework-nodejs#686).
 *
 * 2. How the process ends (lifecycle.ts): the framework's handlers of
 * SIGTERM, SIGINT and uncaught exceptions (invoker.js ErrorHandler) exit at
 * once, answering only the latest request, and a function's own handlers
 * cannot run beside them (#704); `takeOverProcess` takes their place, so
 * that Cloud Run's SIGTERM lets requests in flight finish and the spans
 * still held be sent.
 *
 * docs/framework.md says what each patch costs. A test fails, naming it, if
 * an upgrade changes an internal this relies on
 * (test/unit/functions/common/http/framework-internals.test.ts).
 */
import {frameworkRequire} from './framework-modules';
import type {IncomingMessage, Server, ServerResponse} from 'node:http';
import {newRequestId} from './context';
import {takeOverProcess} from './lifecycle';
import {writeProblem} from './http-function';
import {
  HttpError,
  internalError,
  routeNotFound,
  invalidPath,
} from '../protocol/problem';

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

const express = frameworkRequire('express') as ExpressModule;
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
  if (err instanceof URIError) return invalidPath();
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

/**
 * Calls `tooLarge` as soon as a streamed body (one without a Content-Length
 * to check up front) passes MAX_BODY_BYTES on the wire. body-parser stops
 * at its limit too, but reads the rest of the body before it says so: its
 * 413 would come only once the sender is done, and never to one that does
 * not end.
 */
function watchStreamedBody(req: IncomingMessage, tooLarge: () => void): void {
  if (
    req.headers['content-length'] !== undefined ||
    req.headers['transfer-encoding'] === undefined
  )
    return;
  let received = 0;
  const count = (chunk: Buffer) => {
    received += chunk.length;
    if (received <= MAX_BODY_BYTES) return;
    req.off('data', count);
    tooLarge();
  };
  req.on('data', count);
}

/**
 * How long the rest of a refused body may go on arriving once its answer is
 * sent: time for a sender still writing to read the answer, not for a body
 * that never ends to hold the connection for good.
 */
export const LINGER_MS = 5000;

/**
 * Closes the connection of a refused request whose body is still arriving
 * LINGER_MS after its answer (as nginx's lingering close does); one that
 * ended in time keeps its connection for the next request.
 */
function closeIfStillSending(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (req.complete) return;
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, LINGER_MS).unref();
    req.once('end', () => clearTimeout(timer));
  });
}

/**
 * Marks Express itself as guarded, not this module: two copies of this
 * module in one process (a second build loaded beside the first) share the
 * one Express of node_modules, and guards applied twice would each read
 * and answer the same request.
 */
const GUARDED = Symbol.for('functions-s2s.bodyGuards');

interface InvokerModule {
  ErrorHandler: {prototype: {register(this: {server: Server}): void}};
}

/** Installs the two patches above, once per process (later calls do nothing). */
export function installFrameworkPatches(): void {
  const marks = express.application as unknown as Record<symbol, boolean>;
  if (marks[GUARDED]) return;
  marks[GUARDED] = true;
  installBodyGuards();
  // main.js calls register() once its server listens.
  const invoker = frameworkRequire('./invoker') as InvokerModule;
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
    // The rest of a body refused unread is read and dropped once the
    // answer is sent (closing at once would reset a connection whose
    // sender is still writing, and the answer with it: a front end would
    // see no 413, only a broken connection), for LINGER_MS at most.
    let answered = false;
    const refuse = (error: HttpError) => {
      // Once only: a streamed body over the limit is answered as it passes
      // it, and body-parser says so again if the body ever ends.
      if (answered) return;
      answered = true;
      if (!req.complete) {
        // A parser that stopped at the limit left the rest paused: let it
        // flow away unread, or the sender would stall on a full socket.
        req.resume();
        closeIfStillSending(req, res);
      }
      // Before the function knows whether its caller may name the
      // request: an id of its own, as the first hop gives.
      writeProblem(res, error, newRequestId());
    };
    const refused = bodyPrecheck(req);
    if (refused !== undefined) return refuse(refused);
    watchStreamedBody(req, () => refuse(tooLarge()));
    readBody(req, res, (bodyError?: unknown) => {
      if (bodyError !== undefined) return refuse(frameworkError(bodyError));
      originalHandle.call(this, req, res, (err?: unknown) =>
        // Reached only when the framework failed before our function ran.
        refuse(err === undefined ? routeNotFound() : frameworkError(err)),
      );
    });
  };
}

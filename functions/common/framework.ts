/**
 * Guards around the Functions Framework's Express app. The framework parses
 * request bodies before our function runs, with a 1 GB limit, and hands parse
 * errors to Express's default handler, which answers with an HTML page (and a
 * stack trace outside production). Upstream tracks this as
 * GoogleCloudPlatform/functions-framework-nodejs#686. Until the framework
 * lets a function handle its own errors, this module wraps the app's entry
 * point so that oversized bodies are refused before they are read and every
 * framework error becomes a problem response like our own.
 */
import {createRequire} from 'node:module';
import type {IncomingMessage, ServerResponse} from 'node:http';
import {requestIdOf} from './context';
import {writeProblem} from './http-function';
import {HttpError} from './problem';

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

// Patch the Express the framework itself loads, wherever npm placed it.
const frameworkRequire = createRequire(
  require.resolve('@google-cloud/functions-framework'),
);
const express = frameworkRequire('express') as ExpressModule;
const originalHandle = express.application.handle;

/** Maps an error raised by the framework's body parsers to one of ours. */
export function frameworkError(err: unknown): HttpError {
  const e = err as {type?: unknown; status?: unknown};
  if (e.type === 'entity.parse.failed') {
    return new HttpError(400, 'The request body is not valid JSON.');
  }
  if (e.type === 'entity.too.large') return tooLarge();
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'The request body could not be read.');
  }
  return new HttpError(500, 'An unexpected error occurred.');
}

function tooLarge(): HttpError {
  return new HttpError(
    413,
    `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
  );
}

/** Checks the body's declared size before anything reads it. */
export function bodyPrecheck(req: IncomingMessage): HttpError | undefined {
  const length = req.headers['content-length'];
  if (length !== undefined) {
    return Number(length) > MAX_BODY_BYTES ? tooLarge() : undefined;
  }
  if (req.headers['transfer-encoding'] !== undefined) {
    // A streamed body has no size to check up front; the framework would
    // buffer up to 1 GB of it. JSON clients send Content-Length anyway.
    return new HttpError(411, 'The request must declare its Content-Length.');
  }
  return undefined;
}

let installed = false;

/** Installs the guards; safe to call more than once. */
export function installFrameworkGuards(): void {
  if (installed) return;
  installed = true;
  express.application.handle = function (this: unknown, req, res, callback) {
    if (callback !== undefined) {
      // A mounted sub-app: its parent already applied the guards.
      return originalHandle.call(this, req, res, callback);
    }
    const refused = bodyPrecheck(req);
    if (refused !== undefined) {
      // The unread body makes this connection unusable for a next request.
      res.setHeader('Connection', 'close');
      writeProblem(res, refused, requestIdOf(req.headers));
      return;
    }
    return originalHandle.call(this, req, res, (err?: unknown) => {
      // Reached only when the framework failed before our function ran.
      writeProblem(
        res,
        err === undefined
          ? new HttpError(404, 'No such route.')
          : frameworkError(err),
        requestIdOf(req.headers),
      );
    });
  };
}

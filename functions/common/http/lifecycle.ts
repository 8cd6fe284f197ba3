/**
 * How a function's process serves requests and how it ends, as Cloud Run
 * expects of an instance.
 *
 * - An error a request's handler throws or rejects with is that request's
 *   500 (http-function.ts answers it; `serveRequest` is the safety net).
 * - An uncaught exception or unhandled rejection ends the instance: it is
 *   logged with its stack (and the request in flight, when there is only
 *   one, the only way to know it without tracking every promise), every
 *   request still in flight is answered 500, the server stops taking
 *   connections, and the process exits 1. Cloud Run starts a new instance;
 *   so does the local stack. After an uncaught exception a process is not
 *   in a known state, and Node's advice is not to go on serving.
 * - SIGTERM (Cloud Run's notice, 10 seconds before SIGKILL) and SIGINT end
 *   it gently: no new connections, requests in flight finish (their answers
 *   say `Connection: close`), idle connections are closed, what was
 *   registered with `atShutdown` runs (Firestore's client closes, the
 *   spans not yet exported are sent: wiring.ts tracingFor), and the
 *   process exits 0. What is still running at
 *   the grace deadline is answered 503, so that a caller may retry
 *   elsewhere rather than see a broken connection.
 *
 * The framework's own handlers for these (invoker.js ErrorHandler) answer
 * only the latest request and exit at once, dropping the rest and the
 * spans not yet sent, and a function cannot add its own beside them
 * (GoogleCloudPlatform/functions-framework-nodejs#704): framework.ts puts
 * `takeOverProcess` in their place. Every function the entry points
 * register is wrapped in `serveRequest` (setup/entry-points.ts), which
 * counts what is in flight.
 */
import type {Server, ServerResponse} from 'node:http';
import {REQUEST_ID_HEADER} from './context';
import {describeError, writeProblem} from './http-function';
import type {Logger} from '../telemetry/logger';
import {HttpError, internalError} from '../protocol/problem';

/** Cloud Run allows 10 s between SIGTERM and SIGKILL; answer before that. */
export const SHUTDOWN_GRACE_MS = 8000;
/** How long the 500s of a crash get to reach their callers before exiting. */
const CRASH_FLUSH_MS = 1000;
/** How long the `atShutdown` tasks get, within Cloud Run's 10 s. */
const CLOSE_MS = 1000;

/** The answers not yet sent, of every request in flight. */
const inFlight = new Set<ServerResponse>();
/** What to close once the requests in flight are done, at SIGTERM. */
const shutdownTasks: (() => Promise<unknown>)[] = [];
/** Called each time the last request in flight ends, while ending. */
let onIdle: (() => void) | undefined;
/** What waits for no request to be in flight (afterRequests). */
let idleTasks: (() => void)[] = [];
let logger: Logger | undefined;
let ending: 'draining' | 'crashed' | undefined;

/** The request id an answer carries (http-function.ts sets it first). */
function requestIdOfAnswer(res: ServerResponse): string | undefined {
  const id = res.getHeader(REQUEST_ID_HEADER);
  return typeof id === 'string' ? id : undefined;
}

/** Answers `res` with `error` unless its answer began, then ends it. */
function answer(res: ServerResponse, error: HttpError): void {
  if (res.writableEnded) return;
  if (!res.headersSent) res.setHeader('Connection', 'close');
  writeProblem(res, error, requestIdOfAnswer(res));
}

/**
 * Runs `task` at SIGTERM once no request needs it any more, before the
 * process exits (for at most a second).
 */
export function atShutdown(task: () => Promise<unknown>): void {
  shutdownTasks.push(task);
}

/**
 * Runs `task` once no request is in flight: when the last one's answer is
 * done, or soon if none is. For work that should not delay an answer.
 */
export function afterRequests(task: () => void): void {
  idleTasks.push(task);
  if (inFlight.size === 0) setImmediate(runIdleTasks);
}

function runIdleTasks(): void {
  if (inFlight.size > 0) return;
  const tasks = idleTasks;
  idleTasks = [];
  for (const task of tasks) task();
}

/**
 * A function's handler as the entry points register it: its requests
 * counted in flight, and one that throws or rejects answered 500.
 */
export function serveRequest<Req, Res extends ServerResponse>(
  execute: (req: Req, res: Res) => unknown,
): (req: Req, res: Res) => void {
  return (req, res) => {
    if (ending === 'crashed') {
      // The process is going down in an unknown state: run nothing more.
      answer(res, unavailable());
      return;
    }
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) {
        onIdle?.();
        runIdleTasks();
      }
    });
    // Draining: this answer is the connection's last.
    if (ending === 'draining') res.setHeader('Connection', 'close');
    const failed = (error: unknown) => {
      logger?.log('ERROR', 'a request’s handler failed', {
        requestId: requestIdOfAnswer(res),
        error: describeError(error),
      });
      answer(res, internalError());
    };
    try {
      const ret = execute(req, res);
      if (ret instanceof Promise) ret.catch(failed);
    } catch (e: unknown) {
      failed(e);
    }
  };
}

function unavailable(): HttpError {
  return new HttpError(
    503,
    'shutting-down',
    'The instance is shutting down; try again.',
    undefined,
    {'Retry-After': '1'},
  );
}

/** Calls `then` once no request is in flight, or after `ms` at the latest. */
function whenIdle(ms: number, then: (late: ServerResponse[]) => void): void {
  const deadline = setTimeout(() => finish([...inFlight]), ms);
  function finish(late: ServerResponse[]) {
    onIdle = undefined;
    clearTimeout(deadline);
    then(late);
  }
  if (inFlight.size === 0) finish([]);
  else onIdle = () => finish([]);
}

/** SIGTERM or SIGINT: finish what is in flight, take nothing new, exit 0. */
function drain(server: Server, signal: string): void {
  if (ending !== undefined) return;
  ending = 'draining';
  logger?.log(
    'INFO',
    `${signal}: finishing the requests in flight, then exiting`,
    {
      inFlight: inFlight.size,
    },
  );
  server.close();
  server.closeIdleConnections();
  for (const res of inFlight)
    if (!res.headersSent) res.setHeader('Connection', 'close');
  whenIdle(SHUTDOWN_GRACE_MS, late => {
    for (const res of late) answer(res, unavailable());
    if (late.length > 0)
      logger?.log(
        'WARNING',
        'answered 503 to requests still in flight at shutdown',
        {
          requestIds: late.map(requestIdOfAnswer),
        },
      );
    void runShutdownTasks().then(() => {
      server.closeAllConnections();
      process.exit(0);
    });
  });
}

/** The `atShutdown` tasks (the spans still held among them), for at most CLOSE_MS. */
function runShutdownTasks(): Promise<unknown> {
  const closed = Promise.allSettled(shutdownTasks.map(task => task()));
  const tooLong = new Promise(r => setTimeout(r, CLOSE_MS));
  return Promise.race([closed, tooLong]);
}

/** An uncaught exception: the process is in an unknown state; end it. */
function crash(server: Server, error: unknown, origin: string): void {
  if (ending === 'crashed') {
    logger?.log('ERROR', 'another uncaught exception while ending', {
      error: describeError(error),
    });
    return;
  }
  ending = 'crashed';
  const requestIds = [...inFlight].map(requestIdOfAnswer);
  logger?.log('ERROR', 'uncaught exception: this instance stops', {
    origin,
    error: describeError(error),
    // Which request threw is known only when one alone was running.
    ...(requestIds.length === 1 && {requestId: requestIds[0]}),
    inFlight: requestIds,
  });
  server.close();
  server.closeIdleConnections();
  for (const res of inFlight) answer(res, internalError());
  // The spans of what just failed are the ones worth having: they are
  // sent too, as at SIGTERM.
  whenIdle(CRASH_FLUSH_MS, () => {
    void runShutdownTasks().then(() => {
      server.closeAllConnections();
      process.exit(1);
    });
  });
}

/** The logger that says how the process ends: the function's own. */
export function reportEndsTo(functionLogger: Logger): void {
  logger = functionLogger;
}

/**
 * Takes over how the process ends, once `server` listens: the framework's
 * register() of its handlers is replaced by this (framework.ts).
 */
export function takeOverProcess(server: Server): void {
  process.on('uncaughtException', (error, origin) =>
    crash(server, error, origin),
  );
  process.on('unhandledRejection', reason =>
    crash(server, reason, 'unhandledRejection'),
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => drain(server, signal));
}

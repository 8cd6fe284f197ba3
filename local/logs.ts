/**
 * Where the stack's log lines go. Each process's lines are kept as written
 * (the Cloud Logging JSON of production) in a file per process when a
 * folder is given, printed on the terminal when asked (one readable line per
 * request, or the JSON as it is), and handed to any listener (the console).
 */
import type {ChildProcess} from 'node:child_process';
import {closeSync, mkdirSync, openSync, writeSync} from 'node:fs';
import * as path from 'node:path';

export interface LogTarget {
  /** A folder: one file per process, `<name>.log`. */
  dir?: string;
  /** Print on this process's stdout: readable lines, or the JSON as written. */
  print?: 'readable' | 'json';
  /** Receives every line of every process (the console reads them). */
  onLine?: (source: string, line: string) => void;
}

/** The file `name`'s lines go to, when they go to files. */
export function logFileOf(target: LogTarget, name: string): string | undefined {
  if (target.dir === undefined) return undefined;
  mkdirSync(target.dir, {recursive: true});
  return path.join(target.dir, `${name}.log`);
}

/** Where one process's lines go. */
export interface LogSink {
  write: (line: string) => void;
  close: () => Promise<void>;
}

/** The sink of process `name`: file, terminal and listener, as `target` says. */
export function logSink(name: string, target: LogTarget = {}): LogSink {
  const file = logFileOf(target, name);
  // Written synchronously: a person or a test reading the file sees a line
  // as soon as it is written.
  let fd = file === undefined ? undefined : openSync(file, 'a');
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return {
    write: line => {
      if (fd !== undefined) writeSync(fd, line + '\n');
      if (target.print === 'json')
        process.stdout.write(prefixOf(name) + line + '\n');
      else if (target.print === 'readable') {
        const readable = readableLine(name, line, color);
        if (readable !== undefined) process.stdout.write(readable + '\n');
      }
      target.onLine?.(name, line);
    },
    close: async () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** Sends a child process's output, line by line, to its sink. */
export function pipeLogs(
  name: string,
  child: ChildProcess,
  target: LogTarget = {},
): LogSink {
  const sink = logSink(name, target);
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    const split = lineSplitter(sink.write);
    stream.on('data', split.push);
    stream.on('end', split.flush);
  }
  // 'close', not 'exit': output may still arrive after the process exits.
  child.once('close', () => void sink.close());
  return sink;
}

/** Cuts a stream's chunks into whole lines: a chunk may end mid-line. */
export function lineSplitter(onLine: (line: string) => void): {
  push: (chunk: Buffer | string) => void;
  flush: () => void;
} {
  let rest = '';
  return {
    push: chunk => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line !== '') onLine(line);
    },
    flush: () => {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}

const prefixOf = (name: string) => `[${name}] `.padEnd(12);

const COLORS = {red: 31, green: 32, yellow: 33, cyan: 36, dim: 2};
const paint = (on: boolean, color: keyof typeof COLORS, text: string) =>
  on ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;

/**
 * Who a request line says a request came from: the end user it acted for,
 * then the caller that sent it unless that was no one's (a public
 * function's callers): "user-002 via <the caller's account>", "user-001
 * (admin)", "anonymous".
 */
export function whoOf(entry: {caller?: unknown; endUser?: unknown}): string {
  const caller = typeof entry.caller === 'string' ? entry.caller : 'anonymous';
  const user = entry.endUser as {uid?: unknown; admin?: unknown} | undefined;
  if (typeof user !== 'object' || user === null || typeof user.uid !== 'string')
    return caller;
  const endUser = `${user.uid}${user.admin === true ? ' (admin)' : ''}`;
  return caller === 'anonymous' ? endUser : `${endUser} via ${caller}`;
}

/**
 * One line a person can scan: time, function, method and path, status,
 * latency, who (whoOf) and a short trace id for a request line; time,
 * function, severity and message for any other JSON line; anything else as
 * it came. Undefined for a front end's line of a request the function
 * answered (the function's own line says it all).
 */
export function readableLine(
  source: string,
  line: string,
  color = false,
): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return prefixOf(source) + line;
  }
  if (entry === null || typeof entry !== 'object')
    return prefixOf(source) + line;
  const time = new Date().toISOString().slice(11, 23);
  const who = (
    entry.component === 'front-end' ? `${entry.service}:fe` : source
  ).padEnd(9);
  const http = entry.httpRequest as
    | {
        requestMethod?: string;
        requestUrl?: string;
        status?: number;
        latency?: string;
      }
    | undefined;
  const trace = String(entry['logging.googleapis.com/trace'] ?? '')
    .split('/')
    .pop()
    ?.slice(0, 8);
  if (http !== undefined) {
    const status = Number(http.status);
    const tint = status >= 500 ? 'red' : status >= 400 ? 'yellow' : 'green';
    const latencyMs =
      http.latency === undefined
        ? '-'
        : `${(parseFloat(http.latency) * 1000).toFixed(1)} ms`;
    // A front end's line of a request it passed on says what the function's
    // own line says, unless the caller got something else: shown only then.
    const passed = entry.component === 'front-end' && entry.passed === true;
    if (passed && status < 499) return undefined;
    const caller =
      entry.component === 'front-end' && !passed
        ? `refused: ${String(entry.message ?? '')}`
        : whoOf(entry);
    return [
      paint(color, 'dim', time),
      paint(color, 'cyan', who),
      `${http.requestMethod} ${http.requestUrl}`.padEnd(36),
      paint(color, tint, String(status)),
      latencyMs.padStart(9),
      ` ${caller}`.padEnd(32),
      trace ? paint(color, 'dim', `trace ${trace}`) : '',
    ].join(' ');
  }
  const severity = String(entry.severity ?? 'DEFAULT');
  const tint =
    severity === 'ERROR' ? 'red' : severity === 'WARNING' ? 'yellow' : 'dim';
  return [
    paint(color, 'dim', time),
    paint(color, 'cyan', who),
    paint(color, tint, severity),
    String(entry.message ?? line),
    entry.error === undefined ? '' : `\n${String(entry.error)}`,
  ].join(' ');
}

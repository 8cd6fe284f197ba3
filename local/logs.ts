/**
 * Where the stack's lines go: printed with a prefix per process
 * (`npm start`), one file per process (tests, benchmark), or nowhere.
 */
import type {ChildProcess} from 'node:child_process';
import {
  closeSync,
  createWriteStream,
  mkdirSync,
  openSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';

/** 'inherit': prefix and print the lines; a folder: one file per process. */
export type LogTarget = 'inherit' | string | undefined;

export interface LogSink {
  write: (line: string) => void;
  close: () => Promise<void>;
}

export function logFileOf(logs: LogTarget, name: string): string | undefined {
  if (logs === undefined || logs === 'inherit') return undefined;
  mkdirSync(logs, {recursive: true});
  return path.join(logs, `${name}.log`);
}

const prefixOf = (name: string) => `[${name}] `.padEnd(12);

/**
 * Where the lines of an in-process part of the stack (the front ends) go.
 * Written synchronously: there is a line only per refused request, and a
 * person or a test reading the file sees it as soon as the answer is sent.
 */
export function logSink(name: string, logs: LogTarget): LogSink {
  if (logs === 'inherit') {
    return {
      write: line => process.stdout.write(prefixOf(name) + line + '\n'),
      close: async () => undefined,
    };
  }
  const file = logFileOf(logs, name);
  if (file === undefined)
    return {write: () => undefined, close: async () => undefined};
  const fd = openSync(file, 'a');
  return {
    write: line => writeSync(fd, line + '\n'),
    close: async () => closeSync(fd),
  };
}

export function pipeLogs(
  name: string,
  child: ChildProcess,
  logs: LogTarget,
): void {
  if (logs === 'inherit') {
    const prefix = prefixOf(name);
    const relay = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line) to.write(prefix + line + '\n');
    };
    child.stdout?.on('data', relay(process.stdout));
    child.stderr?.on('data', relay(process.stderr));
    return;
  }
  const file = logFileOf(logs, name);
  if (file !== undefined) {
    const stream = createWriteStream(file, {flags: 'a'});
    child.stdout?.pipe(stream);
    child.stderr?.pipe(stream);
  } else {
    child.stdout?.resume();
    child.stderr?.resume();
  }
}

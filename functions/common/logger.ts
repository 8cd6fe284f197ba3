/**
 * Structured logs in Cloud Logging's JSON format: one object per line on
 * stdout, which the Cloud Functions runtime turns into log entries with
 * their severity and trace. Callers pass only fields that are safe to keep:
 * never a token, a header dump or a request body.
 */
import type {LogLevel} from './config';

export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

const RANK: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warning: 2,
  error: 3,
  silent: 4,
};
const SEVERITY_RANK: Record<Severity, number> = {
  DEBUG: 0,
  INFO: 1,
  WARNING: 2,
  ERROR: 3,
};

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(severity: Severity, message: string, fields?: LogFields): void;
}

/**
 * Collects what is written during one turn of the event loop and hands it
 * to `write` as one chunk at the end of that turn (setImmediate), and at
 * once when the process exits. A write to stdout is a system call that
 * wakes the process reading the pipe (Cloud Run's log collector), and about
 * half of what a request line costs; with many requests in flight on an
 * instance, several finish in the same turn and share one write. Not a
 * timer: the turn ends microseconds after the response that wrote the line,
 * so a line is never held until the next request (between requests Cloud
 * Run may leave an instance almost no CPU). A line that is written alone
 * costs what it did before.
 */
export function perTurn(
  write: (chunk: string) => void,
): (line: string) => void {
  let pending = '';
  const flush = () => {
    const chunk = pending;
    pending = '';
    if (chunk !== '') write(chunk);
  };
  process.on('exit', flush);
  return line => {
    if (pending === '') setImmediate(flush);
    pending += line;
  };
}

let stdoutPerTurn: ((line: string) => void) | undefined;

/** Stdout, one write per turn, shared by every logger of the process (lines keep their order). */
function toStdout(line: string): void {
  stdoutPerTurn ??= perTurn(chunk => process.stdout.write(chunk));
  stdoutPerTurn(line);
}

/** Writes entries at or above `level` through `write` (stdout by default). */
export class JsonLogger implements Logger {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string) => void = toStdout,
  ) {}

  log(severity: Severity, message: string, fields: LogFields = {}): void {
    if (SEVERITY_RANK[severity] < RANK[this.level]) return;
    this.write(
      JSON.stringify({severity, message, service: this.service, ...fields}) +
        '\n',
    );
  }
}

/**
 * Structured logs in Cloud Logging's JSON format: one object per line on
 * stdout, which the Cloud Functions runtime turns into log entries with
 * their severity and trace. Callers pass only fields that are safe to keep:
 * never a token, a header dump or a request body.
 */
import type {LogLevel} from '../platform/variables';

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
  /** Whether a line of `severity` would be written: ask before building one. */
  enabled(severity: Severity): boolean;
  log(severity: Severity, message: string, fields?: LogFields): void;
}

/**
 * Where a logger's lines go: stdout by default (the process's sink), or
 * anything that takes lines the same way.
 */
export interface LineSink {
  /** Takes one line (with its newline). */
  add(line: string): void;
}

/** Each line written to stdout at once: the plain way. */
const eachLineAtOnce: LineSink = {
  add: line => void process.stdout.write(line),
};

/** Writes entries at or above `level` to `out` (stdout by default). */
export class JsonLogger implements Logger {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly out: LineSink = eachLineAtOnce,
  ) {}

  enabled(severity: Severity): boolean {
    return SEVERITY_RANK[severity] >= RANK[this.level];
  }

  log(severity: Severity, message: string, fields: LogFields = {}): void {
    if (!this.enabled(severity)) return;
    this.out.add(
      JSON.stringify({severity, message, service: this.service, ...fields}) +
        '\n',
    );
  }
}

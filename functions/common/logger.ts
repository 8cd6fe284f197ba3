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

/** Writes entries at or above `level` through `write` (stdout by default). */
export class JsonLogger implements Logger {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string) => void = line =>
      process.stdout.write(line),
  ) {}

  log(severity: Severity, message: string, fields: LogFields = {}): void {
    if (SEVERITY_RANK[severity] < RANK[this.level]) return;
    this.write(
      JSON.stringify({severity, message, service: this.service, ...fields}) +
        '\n',
    );
  }
}

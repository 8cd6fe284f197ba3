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
  /**
   * Marks a request in flight until the returned function is called (when
   * its response is done or abandoned): its lines may wait for the requests
   * beside it, to share a write (LineBuffer).
   */
  requestInFlight(): () => void;
}

/** Where a logger's lines go: a LineBuffer, or anything that takes lines the same way. */
export interface LineSink {
  add(line: string): void;
  hold(): () => void;
}

/**
 * Where log lines wait to be written to stdout. A write to stdout is a
 * system call that wakes the process reading the pipe (Cloud Run's log
 * collector), and about half of what a request line costs; so lines are
 * written together when they can be, without ever being held while the
 * instance is idle (between requests Cloud Run may leave it almost no CPU,
 * and a held line would wait for the next request):
 * - while no request is in flight, a line is written at the end of the
 *   turn of the event loop that wrote it (setImmediate), with whatever else
 *   that turn wrote;
 * - while requests are in flight (`inFlight`), lines are held until the
 *   last of them ends (then written at the end of that turn), for at most
 *   `maxDelayMs`, and never more than `maxChars` characters of them;
 * - everything held is written at once when the process exits (process.exit,
 *   an uncaught exception, or the end of a shutdown: lifecycle.ts).
 * So a burst of requests costs a few writes instead of one a line, and a
 * line written alone costs what it always did.
 */
export class LineBuffer implements LineSink {
  private pending = '';
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private atEndOfTurn = false;

  constructor(
    private readonly write: (chunk: string) => void,
    private readonly maxDelayMs = 100,
    private readonly maxChars = 64 * 1024,
  ) {
    process.on('exit', this.flush);
  }

  /** Adds one line (with its newline). */
  add(line: string): void {
    this.pending += line;
    if (this.pending.length >= this.maxChars) this.flush();
    else if (this.inFlight === 0) this.flushAtEndOfTurn();
    else this.timer ??= setTimeout(this.flush, this.maxDelayMs).unref();
  }

  /**
   * Marks a request in flight until the returned function is called (once
   * counts; more calls do nothing), so that its lines and those of requests
   * running beside it can share a write.
   */
  hold(): () => void {
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      if (this.inFlight === 0 && this.pending !== '') this.flushAtEndOfTurn();
    };
  }

  private flushAtEndOfTurn(): void {
    if (this.atEndOfTurn) return;
    this.atEndOfTurn = true;
    setImmediate(this.flush);
  }

  /** Writes everything held now. */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.atEndOfTurn = false;
    const chunk = this.pending;
    this.pending = '';
    if (chunk !== '') this.write(chunk);
  };
}

let stdoutBuffer: LineBuffer | undefined;

/** The process's stdout, shared by every logger in it (lines keep their order). */
function stdout(): LineBuffer {
  stdoutBuffer ??= new LineBuffer(chunk => process.stdout.write(chunk));
  return stdoutBuffer;
}

const nothingHeld = () => undefined;

/** Writes entries at or above `level` to `out` (stdout by default). */
export class JsonLogger implements Logger {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
    private readonly out: LineSink = stdout(),
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

  requestInFlight(): () => void {
    // A silent logger writes nothing that could wait.
    return this.level === 'silent' ? nothingHeld : this.out.hold();
  }
}

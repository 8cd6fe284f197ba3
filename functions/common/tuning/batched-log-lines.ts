/**
 * Log lines written to stdout in batches rather than one `write` each, for
 * speed alone (docs/tuning.md). A write to stdout is a system call that
 * wakes the process reading the pipe (Cloud Run's log collector), and about
 * half of what a request line costs (docs/performance-history.md). Without
 * this, the logger (telemetry/logger.ts) writes each line at once.
 */
import {useStdoutSink, type LineSink} from '../telemetry/logger';

/**
 * Where log lines wait to be written: lines are written together when they
 * can be, without ever being held while the instance is idle (between
 * requests Cloud Run may leave it almost no CPU, and a held line would wait
 * for the next request):
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

/** One for the process, shared by every logger in it (lines keep their order). */
let stdoutBuffer: LineBuffer | undefined;

/**
 * The tuning line (functions/index.cts, local/function-entry.cts): the
 * process's stdout a LineBuffer for the loggers built from then on. Before
 * the entry builds its functions; later calls install the same buffer.
 */
export function installBatchedLogLines(): void {
  stdoutBuffer ??= new LineBuffer(chunk => process.stdout.write(chunk));
  useStdoutSink(stdoutBuffer);
}

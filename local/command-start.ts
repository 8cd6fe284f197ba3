/**
 * When the command that started this process was typed: the start of
 * `npm start` itself, build check included, for the banner's "Stack ready
 * in N s". npm runs a script through a shell with `npm_lifecycle_event` in
 * its environment, so the first process up the chain without it is npm.
 * Linux's /proc gives each process's start, in clock ticks since boot, and
 * the time since boot now. Elsewhere, when /proc cannot be read, or when
 * not run by npm, it is this process's own start.
 */
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

/** /proc's clock tick (USER_HZ): 100 on every architecture Node.js runs on. */
const TICKS_PER_SECOND = 100;

interface ProcessStat {
  ppid: number;
  /** Clock ticks after boot at which the process started. */
  started: number;
}

function statOf(proc: string, pid: number): ProcessStat {
  const text = readFileSync(`${proc}/${pid}/stat`, 'utf8');
  // The command's name, in parentheses, may hold spaces and parentheses of
  // its own: the fields are counted from after the last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {ppid: Number(fields[1]), started: Number(fields[19])};
}

function runsAnNpmScript(proc: string, pid: number): boolean {
  const environ = readFileSync(`${proc}/${pid}/environ`, 'latin1');
  return `\0${environ}`.includes('\0npm_lifecycle_event=');
}

/**
 * The time (ms since the epoch) at which the npm command that runs this
 * process started, or this process's own start when there is none or it
 * cannot be told.
 */
export function commandStartedAt(
  env: NodeJS.ProcessEnv = process.env,
  proc = '/proc',
  pid = process.pid,
): number {
  const own = performance.timeOrigin;
  if (env.npm_lifecycle_event === undefined) return own;
  try {
    let {ppid} = statOf(proc, pid);
    while (ppid > 1) {
      const parent = statOf(proc, ppid);
      if (!runsAnNpmScript(proc, ppid)) {
        const sinceBoot = Number(
          readFileSync(`${proc}/uptime`, 'utf8').split(' ')[0],
        );
        const elapsed = sinceBoot - parent.started / TICKS_PER_SECOND;
        return Number.isFinite(elapsed) && elapsed >= 0
          ? Date.now() - elapsed * 1000
          : own;
      }
      ppid = parent.ppid;
    }
  } catch {
    // No /proc (not Linux), or a process gone or not ours to read.
  }
  return own;
}

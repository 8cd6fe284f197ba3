/**
 * The benchmark's side of switching logging and tracing on and off in
 * running functions (bench/switchable-functions.ts serves the other side):
 * write the state to the switch file, signal every process, and wait until
 * each has acknowledged it.
 */
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {waitFor} from '../local/processes';

/**
 * `on`: as deployed (the entry traces its share of requests, every request
 * has its line); `traced`: every request traced, as locally; `off`: silent.
 */
export type TelemetryState = 'on' | 'traced' | 'off';

/** Where process `pid` acknowledges the state it switched to. */
export const ackFileOf = (file: string, pid: number) => `${file}.${pid}`;

export interface TelemetrySwitch {
  /** The file the functions read their state from (TELEMETRY_SWITCH). */
  file: string;
  /** Switches the processes `pids` to `state`; resolves once all have. */
  set: (pids: number[], state: TelemetryState) => Promise<void>;
  /** Removes the switch file and the acknowledgements. */
  remove: () => void;
}

/** A switch whose files are written only once it is used. */
export function telemetrySwitch(): TelemetrySwitch {
  const file = path.join(
    tmpdir(),
    `telemetry-switch-${process.pid}-${Date.now().toString(36)}`,
  );
  const signalled = new Set<number>();
  const acknowledged = (pid: number, state: TelemetryState) => {
    try {
      return readFileSync(ackFileOf(file, pid), 'utf8') === state;
    } catch {
      return false;
    }
  };
  return {
    file,
    set: async (pids, state) => {
      writeFileSync(file, state);
      for (const pid of pids) {
        signalled.add(pid);
        rmSync(ackFileOf(file, pid), {force: true});
        process.kill(pid, 'SIGUSR2');
      }
      await waitFor(
        `the functions to switch logging and tracing ${state}`,
        async () => pids.every(pid => acknowledged(pid, state)),
        5_000,
        undefined,
        5,
      );
    },
    remove: () => {
      for (const f of [file, ...[...signalled].map(p => ackFileOf(file, p))])
        rmSync(f, {force: true});
    },
  };
}

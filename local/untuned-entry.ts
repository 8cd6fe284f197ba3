/**
 * The local stack's entry point without some of its tuning lines
 * (docs/tuning.md): a copy of the compiled entry, beside it so that its
 * relative requires resolve as the entry's own do, without the require of
 * each device's module under functions/common/tuning/ and every line that
 * uses what it required. What the project does without a device, the
 * device's code not even loaded: how the tests show the project works
 * untuned, and how the benchmark measures what each device buys.
 */
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {LOCAL_ENTRY} from './functions';

const TUNING_REQUIRE = /^const (\w+) = require\("[^"]*\/tuning\/([^"/]+)"\);$/;

/** The devices `entry` switches on: each tuning module it requires, by file name. */
export function tuningDevices(entry = LOCAL_ENTRY): string[] {
  return readFileSync(entry, 'utf8')
    .split('\n')
    .flatMap(l => {
      const m = TUNING_REQUIRE.exec(l);
      return m === null ? [] : [m[2]];
    });
}

/** An entry copy, and how to remove it. */
export interface EntryCopy {
  /** Its path: the FUNCTION_SOURCE of the functions started from it. */
  file: string;
  remove: () => void;
}

/**
 * Writes a copy of `entry` without the lines of `devices` (every device
 * when none are named).
 * @throws Error when `entry` has no tuning line for one of them.
 */
export function entryWithout(
  devices: string[] = tuningDevices(),
  entry = LOCAL_ENTRY,
): EntryCopy {
  const lines = readFileSync(entry, 'utf8').split('\n');
  const names: string[] = [];
  for (const device of devices) {
    const line = lines.find(l => TUNING_REQUIRE.exec(l)?.[2] === device);
    if (line === undefined)
      throw new Error(`${entry} has no tuning line for ${device}`);
    names.push(TUNING_REQUIRE.exec(line)![1]);
  }
  const file = path.join(
    path.dirname(entry),
    `function-entry-without-${devices.join('-')}-${process.pid}.cjs`,
  );
  writeFileSync(
    file,
    lines
      .filter(l => !names.some(n => new RegExp(`\\b${n}\\b`).test(l)))
      .join('\n'),
  );
  return {file, remove: () => rmSync(file, {force: true})};
}

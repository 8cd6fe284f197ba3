/**
 * V8 without bytecode flushing, for speed alone (docs/tuning.md). While an
 * instance idles, V8's memory reducer runs garbage collections that age
 * each function's bytecode, and bytecode old enough is thrown away with the
 * optimized code built on it. The next requests then compile the
 * functions again and run unoptimized until V8 optimizes them again: a
 * burst after an idle minute costs markedly more CPU per request for
 * seconds. With flushing off, an instance keeps what it compiled (the
 * bytecode of the functions it ran, a small share of its heap). Without
 * this line V8 flushes as it ships.
 *
 * A V8 flag, not a Node.js option: NODE_OPTIONS refuses it, and a
 * function's command line is the Functions Framework's, so it is set here,
 * before the first garbage collection could flush anything of ours. V8
 * reads it at each collection (Node.js leaves V8's flags unfrozen after
 * start for v8.setFlagsFromString).
 */
import {setFlagsFromString} from 'node:v8';

/** The tuning line (functions/index.cts, local/function-entry.cts). */
export function installKeptBytecode(): void {
  setFlagsFromString('--no-flush-bytecode');
}

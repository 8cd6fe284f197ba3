/**
 * A function's memory as Cloud Run limits it, on a machine that limits
 * nothing: its heap sized from the limit as Node sizes it inside a container
 * of that size, and an instance whose resident memory goes over the limit
 * ended and reported with the line Cloud Run writes, so the stack replaces
 * it as Cloud Run starts a new one.
 */
import {readFileSync} from 'node:fs';
import {FUNCTION_NODE_OPTIONS} from '../scripts/topology';

const MiB = 1024 * 1024;

/** Bytes of a Cloud Run memory value: "512Mi", "1Gi" (topology.json's `memory`). */
export function memoryBytes(value: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(value);
  if (match === null)
    throw new Error(`memory must be like 512Mi or 1Gi, got "${value}"`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1) * MiB;
}

/**
 * The V8 flags that size a process's heap as Node sizes it when the
 * container's limit is `limit` bytes: Node hands V8 the cgroup's limit as
 * the machine's memory, and V8 takes half of it for the old generation (at
 * least 256 MiB) and a young generation that grows with it. Outside a
 * container Node would size it from the whole machine and collect garbage
 * far later than on Cloud Run. test/integration/local/memory.test.ts checks these
 * against Node's own sizing in a memory cgroup, where the machine has one.
 * A size the function's NODE_OPTIONS sets (its deployed environment,
 * scripts/topology.js) is left to it, as on Cloud Run: flags on the
 * command line would override it.
 */
export function heapFlags(limit: number, nodeOptions = ''): string[] {
  const oldMiB = Math.max(256, Math.floor(limit / MiB / 2));
  const semiMiB = oldMiB <= 256 ? 1 : Math.min(64, oldMiB / 32);
  // V8 takes a flag with dashes or underscores alike.
  const set = nodeOptions.replace(/_/g, '-');
  return [
    `--max-old-space-size=${oldMiB}`,
    `--max-semi-space-size=${semiMiB}`,
  ].filter(flag => !set.includes(flag.slice(0, flag.indexOf('='))));
}

/**
 * The V8 flags of a baseline in a function's place (the benchmark's floor
 * and hello-world): the heap of the same memory limit, with the young
 * generation every function's NODE_OPTIONS sets, so that a ratio against
 * it measures code, not heap sizes.
 */
export function baselineHeapFlags(limit: number): string[] {
  return [...heapFlags(limit, FUNCTION_NODE_OPTIONS), FUNCTION_NODE_OPTIONS];
}

/** Resident memory of process `pid` in bytes (Linux's /proc), or undefined once it is gone. */
export function residentBytes(pid: number): number | undefined {
  return statusKb(pid, 'VmRSS');
}

/** The most resident memory process `pid` has had, in bytes, or undefined once it is gone. */
export function peakResidentBytes(pid: number): number | undefined {
  return statusKb(pid, 'VmHWM');
}

function statusKb(pid: number, field: string): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}

/** The line Cloud Run writes when it ends an instance over its memory limit. */
export function memoryExceededMessage(limit: number, used: number): string {
  return (
    `Memory limit of ${Math.round(limit / MiB)} MiB exceeded with ` +
    `${Math.round(used / MiB)} MiB used. Consider increasing the memory ` +
    'limit, see https://cloud.google.com/run/docs/configuring/memory-limits'
  );
}

/**
 * Watches process `pid` and calls `exceeded` once, with what it used, when
 * its resident memory goes over `limit`; returns how to stop watching. Only
 * where /proc exists (Linux); elsewhere the heap flags alone hold a
 * function to its limit.
 */
export function watchMemory(
  pid: number,
  limit: number,
  exceeded: (used: number) => void,
  intervalMs = 100,
): () => void {
  const timer = setInterval(() => {
    const used = residentBytes(pid);
    if (used === undefined || used <= limit) return;
    clearInterval(timer);
    exceeded(used);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

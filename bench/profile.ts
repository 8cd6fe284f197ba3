/**
 * `npm run profile`: where a function's CPU goes under load. Starts the
 * stack (verify mode, against its own emulator; the benchmark's `ours`, as
 * deployed, whose spans are exported to a sink at Google Cloud's ratio, so
 * the export is in the profile) with `--cpu-prof`, warms it
 * up, loads one route at a fixed rate, stops, and prints for each function
 * the share of its CPU time by module (ours by file, dependencies by
 * package, Node's internals, GC), by the functions that take the most
 * time themselves, and the share of logging and tracing. The profile
 * covers the process's whole life, warm-up included; the load itself
 * dominates it.
 *
 * Env: PROFILE_ROUTE (a scenario id of scenarios.ts, default mesh),
 * PROFILE_RATE (req/s, default 80), PROFILE_SECONDS (default 30),
 * LOG_LEVEL (info, or silent: no request lines, no spans), PROFILE_DIR
 * (where the .cpuprofile files stay; default a new temporary folder).
 * `node build/bench/profile.js DIR` prints the shares of the profiles an
 * earlier run left in DIR.
 */
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {startFirestoreEmulator} from '../local/firestore-emulator';
import {load} from './load';
import {SCENARIOS} from './scenarios';
import {startVariant} from './targets';

interface ProfileNode {
  id: number;
  callFrame: {functionName: string; url: string; lineNumber: number};
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, as one short name. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node';
  const ours = /\/build\/(.+)$/.exec(url);
  return ours ? ours[1] : url;
}

/** Whether a module (as moduleOf names it) is this project's code. */
const isOurs = (module: string) => /^(functions|local|bench)\//.test(module);

export interface Shares {
  totalMs: number;
  /** [name, percent of the total], largest first. */
  byModule: [string, number][];
  byFunction: [string, number][];
  /** Our own functions with everything they call (inclusive time). */
  oursInclusive: [string, number][];
  /** Percent of the busy time in logging and tracing (isTelemetry). */
  telemetry: number;
}

/**
 * Whether a frame of ours is logging or tracing: the logger, the request
 * line and the end of the request's span (request-log.js), and starting
 * and recording spans (tracing.js). Not propagation.js: a request passes
 * its trace on with logging off too.
 */
export function isTelemetry(module: string, functionName: string): boolean {
  switch (module) {
    case 'functions/common/telemetry/logger.js':
    case 'functions/common/http/request-log.js':
    case 'functions/common/telemetry/tracing.js':
      return true;
    case 'functions/common/http/http-function.js':
      return functionName === 'logRequest';
    default:
      return false;
  }
}

/** OpenTelemetry's SDK: its exports run from its own timers, under no frame of ours. */
const isTracingSdk = (module: string) => module.startsWith('@opentelemetry/');

/** Self time of a profile, by module and by function, in percent. */
export function sharesOf(profile: CpuProfile, top = 15): Shares {
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  // Shares of the time the process was busy: idle samples are left out.
  for (const n of profile.nodes)
    if (n.callFrame.functionName === '(idle)') selfUs.delete(n.id);
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const {functionName, url, lineNumber} = byId.get(id)!.callFrame;
    const where = moduleOf(url, functionName);
    modules.set(where, (modules.get(where) ?? 0) + us);
    const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  // Inclusive time of our functions: each node's subtree, counted once per
  // name along a path (a function calling itself is not counted twice).
  const ours = new Map<string, number>();
  const root = profile.nodes[0];
  const walk = (node: ProfileNode, open: Set<string>): number => {
    let us = selfUs.get(node.id) ?? 0;
    const {functionName, url, lineNumber} = node.callFrame;
    const where = moduleOf(url, functionName);
    const mine = isOurs(where);
    const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    const counted = mine && !open.has(name);
    if (counted) open.add(name);
    for (const child of node.children ?? []) us += walk(byId.get(child)!, open);
    if (counted) {
      open.delete(name);
      ours.set(name, (ours.get(name) ?? 0) + us);
    }
    return us;
  };
  walk(root, new Set());
  // Logging and tracing: each sample goes to the nearest function of ours
  // on its stack, so what the logger calls in Node (the write to stdout)
  // counts, and the Firestore call inside a span does not (its nearest is
  // the store's). OpenTelemetry's SDK with no function of ours above it
  // (a batch of spans exported from its timer) counts, with what it calls.
  // Time the garbage collector takes has no function of ours and is not
  // counted.
  let telemetryUs = 0;
  const attribute = (node: ProfileNode, nearest: boolean | undefined) => {
    const {functionName, url} = node.callFrame;
    const where = moduleOf(url, functionName);
    const counts = isOurs(where)
      ? isTelemetry(where, functionName)
      : (nearest ?? (isTracingSdk(where) || undefined));
    if (counts === true) telemetryUs += selfUs.get(node.id) ?? 0;
    for (const child of node.children ?? [])
      attribute(byId.get(child)!, counts);
  };
  attribute(root, undefined);
  const percent = (m: Map<string, number>): [string, number][] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => [k, Math.round((us / total) * 1000) / 10]);
  return {
    totalMs: Math.round(total / 1000),
    byModule: percent(modules),
    byFunction: percent(functions),
    oursInclusive: percent(ours),
    telemetry: Math.round((telemetryUs / total) * 1000) / 10,
  };
}

/** Prints the shares of every profile in `dir`, named by process id. */
function report(dir: string, names: Record<number, string> = {}): void {
  for (const file of readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
    const pid = /\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(file)?.[1];
    const fn = names[Number(pid)] ?? file;
    const shares = sharesOf(
      JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile,
    );
    process.stdout.write(
      `\n${fn}: ${shares.totalMs} ms busy (${path.join(dir, file)})\n  by module:\n`,
    );
    for (const [name, p] of shares.byModule)
      process.stdout.write(`    ${String(p).padStart(5)} %  ${name}\n`);
    process.stdout.write('  by function (self time):\n');
    for (const [name, p] of shares.byFunction)
      process.stdout.write(`    ${String(p).padStart(5)} %  ${name}\n`);
    process.stdout.write('  our functions with what they call (inclusive):\n');
    for (const [name, p] of shares.oursInclusive)
      process.stdout.write(`    ${String(p).padStart(5)} %  ${name}\n`);
    process.stdout.write(
      `  logging and tracing (the logger, request lines, child spans, with what they call outside our code; not GC): ${shares.telemetry} %\n`,
    );
  }
}

async function main(): Promise<void> {
  // `profile.js DIR` reads the profiles of an earlier run again.
  if (process.argv[2] !== undefined) return report(process.argv[2]);
  const route = process.env.PROFILE_ROUTE ?? 'mesh';
  const scenario = SCENARIOS.find(s => s.id === route);
  if (scenario === undefined)
    throw new Error(
      `PROFILE_ROUTE: no route ${route} (there are ${SCENARIOS.map(s => s.id).join(', ')})`,
    );
  // Ours as deployed (spans exported to a sink at Google Cloud's ratio, so
  // the profile holds what exporting costs too), or silent.
  const variant = process.env.LOG_LEVEL === 'silent' ? 'silent' : 'ours';
  const rate = Number(process.env.PROFILE_RATE ?? 80);
  const seconds = Number(process.env.PROFILE_SECONDS ?? 30);
  const dir =
    process.env.PROFILE_DIR ?? mkdtempSync(path.join(tmpdir(), 'profile-'));
  const emulator = await startFirestoreEmulator();
  try {
    const target = await startVariant(variant, emulator.host, [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
    ]);
    const names = Object.fromEntries(
      Object.entries(target.stack!.pids).map(([fn, pid]) => [pid, fn]),
    );
    try {
      process.stdout.write(`Warming up (${route}, 20 s at c=32)\n`);
      await load(target, scenario, 32, 20);
      process.stdout.write(
        `Profiling ${route} at ${rate} req/s for ${seconds} s\n`,
      );
      const r = await load(target, scenario, 32, seconds, rate);
      process.stdout.write(`${r.requests} requests, ${r.errors} errors\n`);
    } finally {
      await target.stop();
    }
    report(dir, names);
  } finally {
    await emulator.stop();
  }
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(
      `profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  });

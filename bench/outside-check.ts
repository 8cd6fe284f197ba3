/**
 * `npm run -s build && node_modules/.bin/node build/bench/outside-check.js
 * [rounds] [seconds]`: the mesh route measured outside the benchmark's
 * rounds, with the same load (wrk, 1 thread, 16 connections: load.ts),
 * against four targets started side by side on one Firestore emulator, in
 * interleaved rounds (best round of each by throughput):
 * - floor:   the benchmark's three plain node:http processes;
 * - framework-floor: the floor's work in the Functions Framework, run
 *            without its domain as ours are (the benchmark's
 *            framework-floor: the card's own floor);
 * - framework-floor-lines: the same, each function writing a JSON line
 *            per request to stdout the plain way (console.log), read by
 *            a parent as ours' lines are: what the framework and the line
 *            a deployed function writes cost with nothing of ours;
 * - ours:    the functions as the benchmark runs them, as deployed (a line
 *            per request, spans exported to a sink at Google Cloud's ratio,
 *            end-user checks on);
 * - console: the stack as `STACK_MODE=verify npm start` runs it: every
 *            request traced, spans and log lines sent to the console, which
 *            runs beside them (its CPU is not counted).
 * Throughput and the functions' CPU per request (from /proc), each against
 * the floor's: ours' ratios are the benchmark's mesh figures taken another
 * way; the console's say what the local stack adds to them.
 */
import {startFirestoreEmulator} from '../local/firestore-emulator';
import {startStack, type Stack} from '../local/stack';
import {load} from './load';
import {startFloor, startFrameworkFloor} from './plain-servers';
import {targetCpuMs} from './measure';
import {MESH} from './scenarios';
import {projectFor, seeded} from './seeded-projects';
import {round} from './stats';
import {startVariant, type Target} from './targets';

interface Loaded {
  name: string;
  url: string;
  headers: Record<string, string>;
  pids: number[];
  /** Puts its project back to its seed after a round (Target.reset). */
  reset?: () => Promise<void>;
}

interface Round {
  requestsPerSec: number;
  cpuMsPerRequest: number;
}

/**
 * wrk's figures for `seconds` of `target`'s mesh route, through the
 * benchmark's own load (load.ts), with the CPU its processes used.
 */
async function wrk(target: Loaded, seconds: number): Promise<Round> {
  const before = targetCpuMs(target);
  const {requests, requestsPerSec, errors} = await load(
    target,
    MESH,
    16,
    seconds,
  );
  const used = targetCpuMs(target) - before;
  if (!(requests > 0) || errors > 0)
    throw new Error(`${target.name}: ${requests} requests, ${errors} errors`);
  return {
    requestsPerSec: round(requestsPerSec, 1),
    cpuMsPerRequest: round(used / requests, 3),
  };
}

/** The stack as `STACK_MODE=verify npm start` runs it, the console included. */
async function consoleStack(firestoreHost: string): Promise<Stack> {
  const projectId = projectFor('console');
  const stack = await startStack({
    mode: 'verify',
    projectId,
    firestoreHost,
    seed: false,
    consolePort: 0,
    print: undefined,
  });
  await seeded(projectId, firestoreHost);
  return stack;
}

async function main(rounds: number, seconds: number): Promise<void> {
  const emulator = await startFirestoreEmulator();
  const stops: (() => Promise<void>)[] = [];
  try {
    const floor: Target = await startFloor(emulator.host, 200);
    stops.push(floor.stop);
    const frameworkFloor: Target = await startFrameworkFloor(
      emulator.host,
      floor.firestore?.floorTransport ?? 'grpc',
    );
    stops.push(frameworkFloor.stop);
    const frameworkFloorLines: Target = await startFrameworkFloor(
      emulator.host,
      floor.firestore?.floorTransport ?? 'grpc',
      true,
    );
    stops.push(frameworkFloorLines.stop);
    const ours: Target = await startVariant('ours', emulator.host);
    stops.push(ours.stop);
    const local = await consoleStack(emulator.host);
    stops.push(local.stop);
    const targets: Loaded[] = [
      {...floor, name: 'floor'},
      {...frameworkFloor, name: 'framework-floor'},
      {...frameworkFloorLines, name: 'framework-floor-lines'},
      {...ours, name: 'ours'},
      {
        name: 'console',
        url: local.info.urls.gateway,
        headers: {
          authorization: `Bearer ${local.identity.toolkit.idTokenFor('alice@example.com')}`,
        },
        pids: Object.values(local.pids),
      },
    ];
    for (const t of targets) await wrk(t, Math.min(5, seconds)); // warm-up
    const best: Record<string, Round> = {};
    for (let i = 0; i < rounds; i++)
      for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
        const r = await wrk(t, seconds);
        process.stdout.write(
          `round ${i + 1} ${t.name.padEnd(15)} ${r.requestsPerSec} req/s, ${r.cpuMsPerRequest} ms CPU per request\n`,
        );
        if (r.requestsPerSec > (best[t.name]?.requestsPerSec ?? 0))
          best[t.name] = r;
        await t.reset?.();
      }
    for (const base of ['floor', 'framework-floor', 'framework-floor-lines'])
      for (const name of [
        'ours',
        'console',
        'framework-floor',
        'framework-floor-lines',
      ].filter(n => n !== base))
        process.stdout.write(
          `${name} vs ${base} (best rounds): throughput ${round(best[name].requestsPerSec / best[base].requestsPerSec, 2)}x, CPU per request ${round(best[name].cpuMsPerRequest / best[base].cpuMsPerRequest, 2)}x\n`,
        );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await emulator.stop();
  }
}

if (require.main === module)
  main(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 10)).catch(
    (e: unknown) => {
      process.stderr.write(
        `outside check failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exit(1);
    },
  );

/**
 * `node build/bench/young-generation.js [ROUNDS] [SECONDS]`: what the
 * young generation's size does to a request's CPU. Two stacks of our
 * functions against one emulator: one as deployed (the semi-space its
 * NODE_OPTIONS sets, scripts/topology.js), one with the size Node gives a
 * function of its memory (local/memory.ts heapFlags, on the command line,
 * which overrides NODE_OPTIONS). Both are warmed up on the mesh route, then
 * loaded in turns at concurrency 16 for SECONDS each, ROUNDS times, the
 * order turned every round. Prints each round's CPU milliseconds per
 * request (the stack's own processes) and throughput, the ratio of
 * deployed to Node's default with its 95 % interval (one ratio per round),
 * and each function's peak resident memory.
 */
import {startFirestoreEmulator} from '../local/firestore-emulator';
import {heapFlags, memoryBytes} from '../local/memory';
import {load} from './load';
import {targetCpuMs} from './measure';
import {peakRssMb} from './probes';
import {SCENARIOS} from './scenarios';
import {TOPOLOGY} from './seeded-projects';
import {ratioEstimate, round} from './stats';
import {startVariant, type Target} from './targets';

type Size = 'deployed' | 'nodeDefault';

async function main(): Promise<void> {
  const [rounds = '6', seconds = '4'] = process.argv.slice(2);
  const mesh = SCENARIOS.find(s => s.id === 'mesh')!;
  // Node's own sizing for the functions' memory (all three share it).
  const memory = TOPOLOGY.get('user').resources.memory;
  const nodeDefault = heapFlags(memoryBytes(memory)).filter(f =>
    f.startsWith('--max-semi-space-size='),
  );
  const emulator = await startFirestoreEmulator();
  const targets: Partial<Record<Size, Target>> = {};
  try {
    targets.deployed = await startVariant('ours', emulator.host);
    targets.nodeDefault = await startVariant(
      'ours',
      emulator.host,
      nodeDefault,
    );
    const sizes: Size[] = ['deployed', 'nodeDefault'];
    for (const size of sizes) await load(targets[size]!, mesh, 16, 15);
    const cpu: Record<Size, number[]> = {deployed: [], nodeDefault: []};
    const rps: Record<Size, number[]> = {deployed: [], nodeDefault: []};
    for (let r = 0; r < Number(rounds); r++)
      for (const size of r % 2 === 0 ? sizes : [...sizes].reverse()) {
        const target = targets[size]!;
        const before = targetCpuMs(target);
        const result = await load(target, mesh, 16, Number(seconds));
        cpu[size].push(
          round((targetCpuMs(target) - before) / result.requests, 3),
        );
        rps[size].push(round(result.requestsPerSec, 0));
      }
    process.stdout.write(
      `${JSON.stringify(
        {
          nodeDefault,
          deployedVsNodeDefault: ratioEstimate(
            cpu.deployed.map((d, i) => d / cpu.nodeDefault[i]),
          ),
          cpuMsPerRequest: cpu,
          requestsPerSec: rps,
          peakRssMb: Object.fromEntries(
            sizes.map(size => [size, targets[size]!.pids.map(peakRssMb)]),
          ),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const target of Object.values(targets)) await target?.stop();
    await emulator.stop();
  }
}

void main();

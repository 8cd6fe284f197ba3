/**
 * memory.ts: a Cloud Run memory value read, the heap Node would have in a
 * container of that size (checked against Node itself in a memory cgroup,
 * where this machine lets the test make one), and the watch that ends an
 * instance past its limit, on a real process.
 */
import {expect} from 'chai';
import {spawn, spawnSync} from 'node:child_process';
import {mkdirSync, rmdirSync, writeFileSync} from 'node:fs';
import {
  heapFlags,
  memoryBytes,
  memoryExceededMessage,
  peakResidentBytes,
  residentBytes,
  watchMemory,
} from '../../../local/memory';

const MiB = 1024 * 1024;

/** heap_size_limit, in MiB, of a node started with `args`, optionally inside `cgroup`. */
function heapLimitMiB(args: string[], cgroup?: string): number {
  const script =
    "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit / 1048576))";
  const quoted = [process.execPath, ...args, '-e', script]
    .map(a => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  const command =
    cgroup === undefined
      ? `exec ${quoted}`
      : `echo $$ > ${cgroup}/cgroup.procs && exec ${quoted}`;
  const out = spawnSync('sh', ['-c', command], {encoding: 'utf8'});
  if (out.status !== 0) throw new Error(out.stderr);
  return Number(out.stdout);
}

describe('memoryBytes', () => {
  const cases: [string, number][] = [
    ['128Mi', 128 * MiB],
    ['512Mi', 512 * MiB],
    ['1Gi', 1024 * MiB],
    ['4Gi', 4096 * MiB],
  ];
  cases.forEach(([value, bytes]) =>
    it(`reads ${value}`, () => expect(memoryBytes(value)).to.equal(bytes)),
  );
  for (const bad of ['512', '512M', '0.5Gi', '', '512MiB'])
    it(`refuses "${bad}"`, () => expect(() => memoryBytes(bad)).to.throw());
});

describe('heapFlags', () => {
  // Cloud Run's memory values a function is likely to have.
  const limits = ['256Mi', '512Mi', '1Gi', '2Gi', '4Gi'];
  const cgroupRoot = '/sys/fs/cgroup/memory';

  it('size the heap as Node sizes it in a container of that limit', function () {
    const cgroup = `${cgroupRoot}/s2s-heap-test-${process.pid}`;
    try {
      mkdirSync(cgroup);
    } catch {
      this.skip(); // no cgroup v1 memory controller we may write to
    }
    try {
      for (const limit of limits) {
        writeFileSync(
          `${cgroup}/memory.limit_in_bytes`,
          String(memoryBytes(limit)),
        );
        expect(heapLimitMiB(heapFlags(memoryBytes(limit))), limit).to.equal(
          heapLimitMiB([], cgroup),
        );
      }
    } finally {
      rmdirSync(cgroup);
    }
  });

  it('give a smaller heap than this machine would', () => {
    const machine = heapLimitMiB([]);
    expect(heapLimitMiB(heapFlags(memoryBytes('512Mi')))).to.be.below(machine);
    expect(heapLimitMiB(heapFlags(memoryBytes('512Mi')))).to.be.below(512);
  });

  it('leave a size the function’s NODE_OPTIONS sets to it, and size the rest', () => {
    expect(
      heapFlags(memoryBytes('512Mi'), '--max-semi-space-size=8'),
    ).to.deep.equal(['--max-old-space-size=256']);
    expect(heapFlags(memoryBytes('512Mi'), '--no-warnings')).to.deep.equal([
      '--max-old-space-size=256',
      '--max-semi-space-size=1',
    ]);
  });
});

describe('memoryExceededMessage', () => {
  it("is Cloud Run's line, in MiB", () => {
    expect(memoryExceededMessage(512 * MiB, 530.4 * MiB)).to.equal(
      'Memory limit of 512 MiB exceeded with 530 MiB used. Consider increasing the memory limit, see https://cloud.google.com/run/docs/configuring/memory-limits',
    );
  });
});

describe('watchMemory', function () {
  this.timeout(20_000);

  it('calls back once when a process grows past the limit, with what it used', async () => {
    // Holds 8 MiB more every 20 ms, up to 400 MiB.
    const child = spawn(process.execPath, [
      '-e',
      'const h = []; const t = setInterval(() => { h.push(Buffer.alloc(8 << 20, 1)); if (h.length === 50) clearInterval(t); }, 20); setTimeout(() => {}, 30000);',
    ]);
    try {
      const calls: number[] = [];
      const limit = 150 * MiB;
      await new Promise<void>(resolve => {
        watchMemory(
          child.pid!,
          limit,
          used => {
            calls.push(used);
            resolve();
          },
          10,
        );
      });
      expect(calls).to.have.length(1);
      expect(calls[0]).to.be.greaterThan(limit);
      await new Promise(r => setTimeout(r, 300));
      expect(calls).to.have.length(1);
      expect(peakResidentBytes(child.pid!)).to.be.at.least(calls[0]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('says nothing of a process within it, and stops when told', async () => {
    const child = spawn(process.execPath, [
      '-e',
      'setTimeout(() => {}, 30000)',
    ]);
    try {
      let called = false;
      const stop = watchMemory(
        child.pid!,
        512 * MiB,
        () => (called = true),
        10,
      );
      await new Promise(r => setTimeout(r, 200));
      stop();
      expect(called).to.equal(false);
      expect(residentBytes(child.pid!)).to.be.within(1, 512 * MiB);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('knows nothing of a process that is gone', () => {
    expect(residentBytes(2 ** 22 + 12345)).to.equal(undefined);
  });
});

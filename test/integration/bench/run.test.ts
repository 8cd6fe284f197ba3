/**
 * A smoke run of the benchmark: a few seconds per variant, to show that
 * `npm run bench` works and writes well-formed results. No timing is asserted
 * here; the figures themselves belong to `npm run bench`.
 */
import {expect} from 'chai';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {runProcess} from '../../fixtures/run-process';

describe('npm run bench (smoke)', function () {
  // Ten targets started and stopped, each a stack or a trio of processes:
  // room for a busy two-core machine.
  this.timeout(420_000);

  it('runs every variant and scenario and writes valid JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-'));
    const out = path.join(dir, 'results.json');
    const result = await runProcess(
      process.execPath,
      [path.join(ROOT, 'build', 'bench', 'run.js')],
      {
        ...process.env,
        BENCH_SMOKE: '1',
        BENCH_OUT: out,
      },
    );
    expect(result.status, result.output).to.equal(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    rmSync(dir, {recursive: true, force: true});

    expect(json.machine).to.include.keys('node', 'cores');
    const combos = new Set(
      json.results.map(
        (r: {variant: string; scenario: string}) =>
          `${r.variant}/${r.scenario}`,
      ),
    );
    for (const variant of [
      'limit',
      'floor',
      'framework-floor',
      'ours',
      'framework-domain',
      'auth-off',
      'silent',
      'naive',
    ]) {
      for (const scenario of [
        'user-hop',
        'order-hop',
        'mesh',
        'direct',
        'create',
      ]) {
        expect(
          combos.has(`${variant}/${scenario}`),
          `${variant}/${scenario}`,
        ).to.equal(true);
      }
    }
    for (const r of json.results) {
      expect(r.requests, `${r.variant}/${r.scenario}`).to.be.above(0);
      // Which kinds, when a run had errors.
      expect(
        r.errors,
        `${r.variant}/${r.scenario} ${JSON.stringify(r.errorsByKind)}`,
      ).to.equal(0);
    }
    // User's and order's first answers beside the floor's, per transport.
    expect(json.figures.floorColdStartMs).to.have.keys('user', 'order');
    expect(json.figures.coldStartSamplesMs.ours).to.have.keys(
      'hello',
      'gateway',
      'user',
      'order',
    );
    for (const fn of ['user', 'order']) {
      expect(json.figures.floorColdStartMs[fn]).to.have.keys('grpc', 'rest');
      expect(json.figures.frameworkFloorColdStartMs[fn]).to.have.keys(
        'grpc',
        'rest',
      );
    }
    expect(json.ratios).to.include.keys(
      'mesh: ours vs framework-floor (throughput, c=1)',
      'mesh: ours vs framework-floor (CPU per request, c=1)',
      "user first answer vs the floor's (its faster transport)",
      "user first answer vs the floor's in the Functions Framework (its faster transport)",
      'gateway cold start vs hello-world',
    );
    expect(json.figures.coldStartMs).to.have.keys(
      'hello',
      'gateway',
      'user',
      'order',
    );
    for (const variant of ['ours', 'framework-domain'])
      expect(json.figures.rssMbAfterLoad[variant]).to.have.keys(
        'gateway',
        'user',
        'order',
      );
    // One Firestore read per client setting, and the floor on the cheaper.
    expect(json.figures.firestoreReads).to.have.keys('grpc', 'rest', 'ours');
    for (const r of Object.values(
      json.figures.firestoreReads as Record<string, Record<string, number>>,
    )) {
      expect(r.cpuMsPerRead).to.be.above(0);
      expect(r.readsPerSec).to.be.above(0);
    }
    expect(['grpc', 'rest']).to.include(json.figures.floorFirestoreTransport);
    expect(json.ratios).to.include.keys(
      "one Firestore read: ours vs the floor's client (CPU)",
    );
    expect(json.figures.peakRssMb).to.have.keys('gateway', 'user', 'order');
    for (const {peak, limit} of Object.values(
      json.figures.peakRssMb as Record<string, {peak: number; limit: number}>,
    )) {
      expect(peak).to.be.within(10, limit);
      expect(limit).to.equal(512);
    }
    expect(json.figures.verifyUsPerToken).to.have.keys(
      'newToken',
      'repeatedToken',
    );
    expect(json.figures.telemetry.routes).to.have.keys(
      'user-hop',
      'order-hop',
      'mesh',
      'direct',
      'create',
    );
    for (const cost of Object.values(json.figures.telemetry.routes))
      expect(cost).to.have.keys(
        'rate',
        'rounds',
        'ratio',
        'low',
        'high',
        'n',
        'traced',
        'cpuMsPerRequest',
      );
    for (const cost of Object.values(json.figures.telemetry.routes) as {
      traced: object;
      cpuMsPerRequest: object;
    }[]) {
      expect(cost.traced).to.include.keys('ratio', 'low', 'high', 'rounds');
      expect(cost.cpuMsPerRequest).to.have.keys('on', 'traced', 'off');
    }
    expect(json.figures.telemetry.traced).to.have.keys(
      'ratio',
      'low',
      'high',
      'n',
    );
    expect(json.figures.telemetry.all).to.have.keys(
      'ratio',
      'low',
      'high',
      'n',
    );
    expect(json.figures.telemetryUsPerRequest).to.have.keys(
      'on',
      'off',
      'added',
      'spans',
      'sdkSpans',
    );
    // End-user checks on (ours) against off, measured in the same run.
    expect(json.ratios).to.include.keys(
      'mesh: end-user checks on vs off (throughput, c=1)',
      'mesh: end-user checks on vs off (CPU per request, c=1)',
    );
    // Every target of the default run is there, each function's cold start
    // (the gateway's against a hello-world, the others' against the floor)
    // and peak memory.
    expect(json.targets).to.have.length(20);
    const names = json.targets.map((t: {target: string}) => t.target);
    const named = (start: string) =>
      names.some((n: string) => n.startsWith(start));
    expect(names).to.include('gateway cold start <= 1.3x hello-world');
    // What each tuning device buys, against ours without it.
    for (const without of ['framework-domain', 'without-http-calls'])
      expect(names).to.include(
        `mesh, c=1: ours <= 0.9x the CPU per request of ${without}`,
      );
    for (const fn of ['user', 'order'])
      expect(
        named(`${fn} first answer: ours <= 0.9x without firestore-rest-first`),
        fn,
      ).to.equal(true);
    for (const fn of ['user', 'order']) {
      // Judged against the card's own floor, the plain floor's beside it.
      expect(
        named(
          `${fn} first answer <= 1.1x the floor's in the Functions Framework with zod and the OpenTelemetry SDK`,
        ),
        fn,
      ).to.equal(true);
      expect(json.ratios).to.include.keys(
        `${fn} first answer: the floor in the Functions Framework with zod and the OpenTelemetry SDK loaded vs the floor (faster transports)`,
        `${fn} first answer vs the floor's (its faster transport)`,
      );
    }
    for (const fn of ['gateway', 'user', 'order']) {
      expect(names).to.include(
        `${fn} peak resident memory under load <= 60% of its memory limit`,
      );
    }
    expect(names).to.include('token requests per 1,000 calls <= 5');
    for (const t of json.targets)
      expect(t).to.have.keys('target', 'value', 'met');
    expect(result.output).to.match(/Targets/);
    expect(result.output).to.match(/Warming every target up/);
  });
});

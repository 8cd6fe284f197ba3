import {expect} from 'chai';
import {parseBenchOptions} from '../../../bench/options';
import {VARIANTS} from '../../../bench/targets';

describe('parseBenchOptions', () => {
  const cases: {
    name: string;
    env: Record<string, string>;
    want: Record<string, unknown>;
  }[] = [
    {
      name: 'a run of minutes by default: concurrency 16, short warm-ups, a settling round, 3 telemetry rounds',
      env: {},
      want: {
        smoke: false,
        full: false,
        durationS: 3,
        rounds: 3,
        settleRounds: 1,
        runWarmupS: 0.5,
        concurrency: [16],
        telemetryRounds: 3,
        out: '/p/bench/results/latest.json',
      },
    },
    {
      name: 'the long run with BENCH_FULL=1: concurrency 1 and 16, 20 telemetry rounds',
      env: {BENCH_FULL: '1'},
      want: {
        full: true,
        runWarmupS: 1,
        concurrency: [1, 16],
        telemetryRounds: 20,
      },
    },
    {
      name: 'a smoke run: one short round, no warm-up, nothing to settle',
      env: {BENCH_SMOKE: '1', BENCH_ROUNDS: '5'},
      want: {
        smoke: true,
        durationS: 1,
        rounds: 1,
        settleRounds: 0,
        runWarmupS: 0,
        concurrency: [1],
      },
    },
    {
      name: 'durations, rounds and the output from the environment',
      env: {BENCH_DURATION: '5', BENCH_ROUNDS: '2', BENCH_OUT: '/tmp/x.json'},
      want: {durationS: 5, rounds: 2, out: '/tmp/x.json'},
    },
  ];
  cases.forEach(c =>
    it(`reads ${c.name}`, () => {
      expect(parseBenchOptions(c.env, '/p')).to.deep.include(c.want);
    }),
  );

  it("bounds each target's warm-up: 30 s, 60 s in the long run, or BENCH_WARMUP_MAX", () => {
    const maxS = (env: Record<string, string>) =>
      parseBenchOptions(env, '/p').warmup.maxS;
    expect(maxS({})).to.equal(30);
    expect(maxS({BENCH_FULL: '1'})).to.equal(60);
    expect(
      parseBenchOptions({BENCH_WARMUP_MAX: '20'}, '/p').warmup,
    ).to.deep.equal({stepS: 5, maxS: 20, risingBy: 0.05});
  });

  it('loads the variants compared on the mesh route only with it, unless in the long run', () => {
    const all = ['user-hop', 'order-hop', 'mesh', 'direct', 'create'];
    const short = parseBenchOptions({}, '/p');
    for (const v of [
      'floor',
      'end-users-off',
      'framework-domain',
      'silent',
    ] as const)
      expect(short.routesOf(v), v).to.deep.equal(['mesh']);
    for (const v of ['ours', 'auth-off', 'naive'] as const)
      expect(short.routesOf(v), v).to.deep.equal(all);
    const long = parseBenchOptions({BENCH_FULL: '1'}, '/p');
    expect(long.routesOf('floor')).to.deep.equal(all);
  });

  it('runs every variant but the limit unless BENCH_VARIANTS names some, in their usual order; the long run the limit too', () => {
    expect(parseBenchOptions({}, '/p').variants).to.deep.equal(
      VARIANTS.filter(v => v !== 'limit'),
    );
    expect(parseBenchOptions({BENCH_FULL: '1'}, '/p').variants).to.deep.equal(
      VARIANTS,
    );
    expect(
      parseBenchOptions({BENCH_VARIANTS: 'silent, ours'}, '/p').variants,
    ).to.deep.equal(['ours', 'silent']);
  });

  it('refuses a variant that does not exist, and a run without ours', () => {
    expect(() =>
      parseBenchOptions({BENCH_VARIANTS: 'ours,quiet'}, '/p'),
    ).to.throw(/BENCH_VARIANTS: no variant quiet \(there are limit, floor/);
    expect(() => parseBenchOptions({BENCH_VARIANTS: 'floor'}, '/p')).to.throw(
      'BENCH_VARIANTS must include ours: every figure compares it',
    );
  });

  it('refuses a setting that is not a positive number, naming it', () => {
    expect(() => parseBenchOptions({BENCH_DURATION: 'soon'}, '/p')).to.throw(
      /BENCH_DURATION must be a positive number/,
    );
    expect(() => parseBenchOptions({BENCH_ROUNDS: '0'}, '/p')).to.throw(
      /BENCH_ROUNDS/,
    );
  });
});

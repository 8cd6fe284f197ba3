import {expect} from 'chai';
import {parseBenchOptions} from '../../bench/options';
import {VARIANTS} from '../../bench/targets';

describe('parseBenchOptions', () => {
  const cases: {
    name: string;
    env: Record<string, string>;
    want: Record<string, unknown>;
  }[] = [
    {
      name: 'a full run by default',
      env: {},
      want: {
        smoke: false,
        durationS: 3,
        rounds: 3,
        runWarmupS: 1,
        concurrency: [1, 32],
        out: '/p/bench/results/latest.json',
      },
    },
    {
      name: 'a smoke run: one short round, no warm-up',
      env: {BENCH_SMOKE: '1', BENCH_ROUNDS: '5'},
      want: {
        smoke: true,
        durationS: 0.3,
        rounds: 1,
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

  it("bounds each target's warm-up by BENCH_WARMUP_MAX", () => {
    expect(
      parseBenchOptions({BENCH_WARMUP_MAX: '30'}, '/p').warmup,
    ).to.deep.equal({stepS: 5, maxS: 30, risingBy: 0.05});
  });

  it('runs every variant unless BENCH_VARIANTS names some, in their usual order', () => {
    expect(parseBenchOptions({}, '/p').variants).to.deep.equal(VARIANTS);
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

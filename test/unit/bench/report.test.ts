/**
 * The benchmark's conclusions from made-up measurements: each ratio is the
 * right quotient of the right rows, and each target is met exactly when its
 * bound holds.
 */
import {expect} from 'chai';
import type {Scenario} from '../../../bench/load';
import type {Row, TelemetryCosts} from '../../../bench/measure';
import {median} from '../../../bench/stats';
import type {Figures} from '../../../bench/figures';
import {pairedRatio} from '../../../bench/ratios';
import {buildReport} from '../../../bench/report';
import {formatTable} from '../../../bench/table';
import {VARIANTS, type VariantId} from '../../../bench/targets';

const scenario = (id: string): Scenario => ({
  id,
  title: id,
  method: 'GET',
  path: `/${id}`,
  functions: id.endsWith('-hop') ? 2 : 3,
});
const SCENARIOS = ['user-hop', 'order-hop', 'mesh', 'direct', 'create'].map(
  scenario,
);

/** Rows for every variant, scenario and concurrency, from per-variant rates and CPU. */
function rows(
  rate: Partial<Record<VariantId, number>>,
  cpu: Partial<Record<VariantId, number>> = {},
  p50: Record<string, number> = {},
): Row[] {
  return VARIANTS.flatMap(variant =>
    SCENARIOS.flatMap(s =>
      [1, 32].map(concurrency => ({
        variant,
        scenario: s.id,
        concurrency,
        requestsPerSec: rate[variant] ?? 100,
        cpuMsPerRequest: cpu[variant] ?? 5,
        p50Ms: p50[s.id] ?? 10,
        p99Ms: 20,
        requests: 1000,
        errors: 0,
      })),
    ),
  );
}

const figures = (over: Partial<Figures> = {}): Figures => ({
  coldStartMs: {hello: 200, gateway: 280, user: 500, order: 500},
  floorColdStartMs: {
    user: {grpc: 500, rest: 450},
    order: {grpc: 480, rest: 500},
  },
  rssMbAfterLoad: {
    ours: {gateway: 100, user: 150, order: 150},
    'framework-domain': {gateway: 100, user: 150, order: 150},
  },
  ...over,
});

/**
 * Fixed-rate telemetry figures: the given ratio per route (1 elsewhere), and
 * over every route the point estimate `all`, ±0.02.
 */
const telemetry = (
  all: number,
  ratio: Record<string, number> = {},
): TelemetryCosts => ({
  routes: Object.fromEntries(
    SCENARIOS.map(s => {
      const r = ratio[s.id] ?? 1;
      const cost = {rate: 50, rounds: [r, r], ratio: r, low: r, high: r, n: 2};
      return [s.id, {...cost, cpuMsPerRequest: {on: r, off: 1}}];
    }),
  ),
  all: {ratio: all, low: all - 0.02, high: all + 0.02, n: 10},
});

const met = (report: ReturnType<typeof buildReport>, start: string) => {
  const t = report.targets.find(x => x.target.startsWith(start));
  if (t === undefined) throw new Error(`no target ${start}`);
  return t;
};

describe('buildReport', () => {
  it('divides the right rows: ours against the floor, the naive way, auth off and the domain', () => {
    const {ratios} = buildReport(
      rows(
        {
          ours: 300,
          floor: 500,
          naive: 100,
          'auth-off': 310,
          'framework-domain': 150,
        },
        {ours: 4, floor: 2.5, 'framework-domain': 8},
      ),
      figures(),
      SCENARIOS,
      [1, 32],
    );
    expect(ratios['mesh: ours vs floor (throughput, c=32)']).to.equal(0.6);
    expect(ratios['mesh: ours vs floor (CPU per request, c=32)']).to.equal(1.6);
    expect(ratios['create: ours vs naive (throughput, c=32)']).to.equal(3);
    expect(ratios['user-hop: auth on vs off (throughput, c=32)']).to.equal(
      0.97,
    );
    expect(
      ratios['direct: ours vs framework-domain (throughput, c=32)'],
    ).to.equal(2);
    expect(
      ratios['direct: ours vs framework-domain (CPU per request, c=32)'],
    ).to.equal(0.5);
    expect(ratios['gateway cold start vs hello-world']).to.equal(1.4);
    // Against the floor's faster transport: REST for user, gRPC for order.
    expect(
      ratios["user first answer vs the floor's (its faster transport)"],
    ).to.equal(1.11);
    expect(
      ratios["order first answer vs the floor's (its faster transport)"],
    ).to.equal(1.04);
    expect(ratios).not.to.have.key('user cold start vs hello-world');
    expect(ratios['mesh: ours vs naive (CPU per request, c=32)']).to.equal(0.8);
  });

  it('matches the floor against ours with the end-user checks off, when that ran', () => {
    const {ratios, targets} = buildReport(
      rows({ours: 50, 'end-users-off': 60, floor: 100}),
      figures(),
      SCENARIOS,
      [1, 32],
    );
    expect(ratios['mesh: ours vs floor (throughput, c=32)']).to.equal(0.5);
    expect(ratios['mesh: end-users-off vs floor (throughput, c=32)']).to.equal(
      0.6,
    );
    expect(targets[0]).to.deep.equal({
      target: "mesh, c=32: ours (end-users-off) >= 0.6x the floor's throughput",
      value: 0.6,
      met: true,
    });
  });

  it('gives end-user checks on vs off with a 95% interval over the rounds', () => {
    const withRounds = rows({}).map(r => ({
      ...r,
      rounds: [0, 1, 2].map(i => ({
        requestsPerSec: r.variant === 'ours' ? 90 + i : 100,
        cpuMsPerRequest: 5,
      })),
    }));
    const {ratios} = buildReport(withRounds, figures(), SCENARIOS, [1, 32]);
    const name = 'mesh: end-user checks on vs off (throughput, c=32)';
    expect(ratios[name]).to.equal(0.91);
    expect(ratios[`${name}, 95% interval low`]).to.be.below(0.9);
    expect(ratios[`${name}, 95% interval high`]).to.be.above(0.92);
  });

  const cases: {
    name: string;
    rows: Row[];
    figures?: Figures;
    target: string;
    met: boolean;
    value: number;
  }[] = [
    {
      name: 'exactly 0.6x the floor',
      rows: rows({'end-users-off': 60, floor: 100}),
      target: 'mesh, c=32: ours (end-users-off) >= 0.6x',
      met: true,
      value: 0.6,
    },
    {
      name: 'under 0.6x the floor',
      rows: rows({'end-users-off': 59, floor: 100}),
      target: 'mesh, c=32: ours (end-users-off) >= 0.6x',
      met: false,
      value: 0.59,
    },
    {
      name: 'CPU 1.8x the floor',
      rows: rows({}, {'end-users-off': 9, floor: 5}),
      target: 'mesh, c=32: ours (end-users-off) <= 1.8x',
      met: true,
      value: 1.8,
    },
    {
      name: 'CPU 2x the floor',
      rows: rows({}, {'end-users-off': 10, floor: 5}),
      target: 'mesh, c=32: ours (end-users-off) <= 1.8x',
      met: false,
      value: 2,
    },
    {
      name: 'the CPU of the naive way',
      rows: rows({}, {ours: 5, naive: 5}),
      target: "every route: ours <= the naive way's CPU",
      met: true,
      value: 1,
    },
    {
      name: 'more CPU than the naive way',
      rows: rows({}, {ours: 5.5, naive: 5}),
      target: "every route: ours <= the naive way's CPU",
      met: false,
      value: 1.1,
    },
    {
      name: '5 token requests per 1,000 calls',
      rows: rows({}),
      figures: figures({tokensPer1000Requests_ours: 5}),
      target: 'token requests per 1,000 calls',
      met: true,
      value: 5,
    },
    {
      name: '6 token requests per 1,000 calls',
      rows: rows({}),
      figures: figures({tokensPer1000Requests_ours: 6}),
      target: 'token requests per 1,000 calls',
      met: false,
      value: 6,
    },
    {
      name: 'auth costing 11%',
      rows: rows({ours: 89, 'auth-off': 100}),
      target: 'every route: auth on',
      met: false,
      value: 0.89,
    },
    {
      name: 'end-user checks keeping 90% of the throughput',
      rows: rows({ours: 90, 'end-users-off': 100}),
      target: 'mesh, c=32: end-user checks on >= 0.9x off (throughput)',
      met: true,
      value: 0.9,
    },
    {
      name: 'end-user checks keeping 89% of the throughput',
      rows: rows({ours: 89, 'end-users-off': 100}),
      target: 'mesh, c=32: end-user checks on >= 0.9x off (throughput)',
      met: false,
      value: 0.89,
    },
    {
      name: 'end-user checks costing 10% more CPU',
      rows: rows({}, {ours: 5.5, 'end-users-off': 5}),
      target: 'mesh, c=32: end-user checks on <= 1.11x off (CPU',
      met: true,
      value: 1.1,
    },
    {
      name: 'end-user checks costing 12% more CPU',
      rows: rows({}, {ours: 5.6, 'end-users-off': 5}),
      target: 'mesh, c=32: end-user checks on <= 1.11x off (CPU',
      met: false,
      value: 1.12,
    },
    {
      name: 'logging and tracing costing 5% more CPU, as estimated',
      rows: rows({}),
      figures: figures({telemetry: telemetry(1.05, {mesh: 1.08})}),
      target: 'logging and tracing add',
      met: true,
      value: 1.05,
    },
    {
      name: 'logging and tracing costing 6% more CPU, as estimated',
      rows: rows({}),
      figures: figures({telemetry: telemetry(1.06, {mesh: 1.02})}),
      target: 'logging and tracing add',
      met: false,
      value: 1.06,
    },
    {
      name: "an order first answer 1.2x the floor's on its faster transport",
      rows: rows({}),
      figures: figures({
        coldStartMs: {hello: 200, gateway: 200, user: 200, order: 576},
      }),
      target: 'order first answer',
      met: true,
      value: 1.2,
    },
    {
      name: "a user first answer 1.25x the floor's on its faster transport, REST here",
      rows: rows({}),
      figures: figures({
        coldStartMs: {hello: 200, gateway: 200, user: 562.5, order: 1},
      }),
      target: 'user first answer',
      met: false,
      value: 1.25,
    },
    {
      name: 'a gateway cold start 1.6x hello-world',
      rows: rows({}),
      figures: figures({
        coldStartMs: {hello: 200, gateway: 320, user: 1, order: 1},
      }),
      target: 'gateway cold start',
      met: false,
      value: 1.6,
    },
    {
      name: 'a function at 70% of its memory limit under load',
      rows: rows({}),
      figures: figures({
        peakRssMb: {
          gateway: {peak: 200, limit: 512},
          order: {peak: 358.4, limit: 512},
        },
      }),
      target: 'order peak resident memory under load',
      met: false,
      value: 0.7,
    },
    {
      name: 'a function at 55% of its memory limit under load',
      rows: rows({}),
      figures: figures({peakRssMb: {user: {peak: 281.6, limit: 512}}}),
      target: 'user peak resident memory under load',
      met: true,
      value: 0.55,
    },
    {
      name: 'one function 12% larger than before',
      rows: rows({}),
      figures: figures({
        rssMbAfterLoad: {
          ours: {gateway: 100, user: 168},
          'framework-domain': {gateway: 100, user: 150},
        },
      }),
      target: 'memory after load',
      met: false,
      value: 1.12,
    },
    {
      name: 'direct as slow as the slower hop',
      rows: rows({}, {}, {direct: 12, 'user-hop': 10, 'order-hop': 12}),
      target: 'direct p50',
      met: true,
      value: 1,
    },
    {
      name: 'direct as slow as both hops',
      rows: rows({}, {}, {direct: 22, 'user-hop': 10, 'order-hop': 12}),
      target: 'direct p50',
      met: false,
      value: 1.83,
    },
  ];
  cases.forEach(c =>
    it(`${c.met ? 'meets' : 'misses'} its target with ${c.name}`, () => {
      const t = met(
        buildReport(c.rows, c.figures ?? figures(), SCENARIOS, [1, 32]),
        c.target,
      );
      expect(t.value).to.equal(c.value);
      expect(t.met).to.equal(c.met);
    }),
  );

  it('takes the worst route for an every-route target', () => {
    const all = rows({}, {ours: 4, naive: 5});
    all.find(
      r =>
        r.variant === 'naive' &&
        r.scenario === 'direct' &&
        r.concurrency === 32,
    )!.cpuMsPerRequest = 2;
    const t = met(
      buildReport(all, figures(), SCENARIOS, [1, 32]),
      "every route: ours <= the naive way's CPU",
    );
    expect(t).to.include({value: 2, met: false});
  });

  it('leaves out what compares with a variant that was not run (BENCH_VARIANTS)', () => {
    const focused = rows({}, {ours: 10.4, silent: 10}).filter(r =>
      ['ours', 'silent'].includes(r.variant),
    );
    const report = buildReport(
      focused,
      figures({
        rssMbAfterLoad: {ours: {gateway: 100}},
        telemetry: telemetry(1.03, {mesh: 1.04}),
        floorColdStartMs: undefined,
      }),
      SCENARIOS,
      [1, 32],
    );
    expect(report.targets.map(t => t.target)).to.deep.equal([
      "logging and tracing add <= 5% CPU per request (on vs off in the same processes, fixed rate, every route's rounds: point estimate, 95% interval 1.01–1.05)",
      'gateway cold start <= 1.5x hello-world',
      'user cold start <= 1.5x hello-world',
      'order cold start <= 1.5x hello-world',
      'direct p50 (c=1) <= 1.2x the slower single hop',
    ]);
    expect(Object.keys(report.ratios).some(k => k.includes('floor'))).to.equal(
      false,
    );
    expect(
      report.ratios[
        'mesh: logging and tracing on vs off (CPU per request, fixed rate)'
      ],
    ).to.equal(1.04);
  });

  it('puts the directly measured cost of its request lines against each route with them off', () => {
    const costs = telemetry(1.03);
    costs.routes['user-hop'].cpuMsPerRequest.off = 2;
    costs.routes.mesh.cpuMsPerRequest.off = 6;
    const {ratios} = buildReport(
      rows({}),
      figures({
        telemetry: costs,
        telemetryUsPerRequest: {on: 90, off: 30, added: 60},
      }),
      SCENARIOS,
      [1, 32],
    );
    const direct = (id: string, lines: number) =>
      ratios[
        `${id}: logging and tracing measured directly, ${lines} request lines vs the route's CPU with them off`
      ];
    // Two lines of 60 us against 2 ms; three against 6 ms.
    expect(direct('user-hop', 2)).to.equal(0.06);
    expect(direct('mesh', 3)).to.equal(0.03);
  });

  it('leaves the direct measurement out when logging was not switched at a fixed rate', () => {
    const {ratios} = buildReport(
      rows({}),
      figures({telemetryUsPerRequest: {on: 90, off: 30, added: 60}}),
      SCENARIOS,
      [1, 32],
    );
    expect(Object.keys(ratios).some(k => k.includes('directly'))).to.equal(
      false,
    );
  });

  it('compares a variant loaded on the mesh route only there (the default run)', () => {
    const meshOnly = rows({ours: 60, floor: 100}).filter(
      r => r.variant !== 'floor' || r.scenario === 'mesh',
    );
    const {ratios} = buildReport(meshOnly, figures(), SCENARIOS, [1, 32]);
    expect(ratios['mesh: ours vs floor (throughput, c=32)']).to.equal(0.6);
    expect(
      Object.keys(ratios).filter(k => k.includes('vs floor')),
    ).to.have.length(4);
  });

  it('judges latency at concurrency 1 only when it was measured', () => {
    const {targets} = buildReport(
      rows({}).filter(r => r.concurrency === 32),
      figures(),
      SCENARIOS,
      [32],
    );
    expect(targets.some(t => t.target.startsWith('direct p50'))).to.equal(
      false,
    );
  });

  it('says which measurement is missing', () => {
    const some = rows({}).filter(
      r =>
        !(
          r.variant === 'ours' &&
          r.scenario === 'direct' &&
          r.concurrency === 1
        ),
    );
    expect(() => buildReport(some, figures(), SCENARIOS, [1, 32])).to.throw(
      'No measurement of ours on direct at c=1',
    );
  });
});

describe('pairedRatio', () => {
  const row = (cpu: number[], rate = 100): Row => ({
    variant: 'ours',
    scenario: 'mesh',
    concurrency: 32,
    requestsPerSec: rate,
    cpuMsPerRequest: median(cpu),
    p50Ms: 10,
    p99Ms: 20,
    requests: 1000,
    errors: 0,
    rounds: cpu.map(c => ({requestsPerSec: rate, cpuMsPerRequest: c})),
  });

  it('compares round by round: a slow round slows both sides', () => {
    // Medians 20 and 10 would say 2x; round by round it is 1, 2, 1.
    expect(
      pairedRatio(row([10, 20, 30]), row([10, 10, 30]), 'cpuMsPerRequest'),
    ).to.equal(1);
  });

  it("falls back to the rows' own figures when the rounds do not pair up", () => {
    const a = row([10, 20, 30], 150);
    expect(pairedRatio(a, row([10, 10]), 'cpuMsPerRequest')).to.equal(2);
    expect(
      pairedRatio({...a, rounds: undefined}, row([5]), 'requestsPerSec'),
    ).to.equal(1.5);
  });
});

describe('formatTable', () => {
  it('prints one line per measurement, in scenario, concurrency and variant order', () => {
    const lines = formatTable(
      rows({ours: 123.4}),
      [scenario('mesh')],
      [32],
      ['floor', 'ours'],
    );
    expect(lines).to.have.length(3);
    expect(lines[1]).to.match(
      /^mesh\s+floor\s+32\s+100\s+10\s+20\s+5\.00\s+0$/,
    );
    expect(lines[2]).to.match(/^mesh\s+ours\s+32\s+123\s/);
  });
});

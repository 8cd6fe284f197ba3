/**
 * The benchmark's ratios from made-up measurements: each is the right
 * quotient of the right rows, and what was not measured is left out.
 */
import {expect} from 'chai';
import {buildReport} from '../../../bench/report';
import {
  figures,
  rows,
  SCENARIOS,
  telemetry,
} from '../../fixtures/bench-measurements';

describe('buildReport', () => {
  it('divides the right rows: ours against the floors, the naive way, auth off and the domain', () => {
    const {ratios} = buildReport(
      rows(
        {
          ours: 300,
          floor: 500,
          'framework-floor': 250,
          naive: 100,
          'auth-off': 310,
          'framework-domain': 150,
        },
        {ours: 4, floor: 2.5, 'framework-floor': 5, 'framework-domain': 8},
      ),
      figures(),
      SCENARIOS,
      [1, 32],
    );
    expect(ratios['mesh: ours vs floor (throughput, c=32)']).to.equal(0.6);
    expect(ratios['mesh: ours vs floor (CPU per request, c=32)']).to.equal(1.6);
    // The card's own floor: the same work on the framework, run as ours.
    expect(ratios['mesh: ours vs framework-floor (throughput, c=32)']).to.equal(
      1.2,
    );
    expect(
      ratios['mesh: ours vs framework-floor (CPU per request, c=32)'],
    ).to.equal(0.8);
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

  it("splits a first answer over the floor's into the framework's share and ours, each on its faster transport", () => {
    const {ratios} = buildReport(
      rows({ours: 300, floor: 500}),
      figures({
        coldStartMs: {hello: 200, gateway: 280, user: 660, order: 560},
        floorColdStartMs: {
          user: {grpc: 500, rest: 400},
          order: {grpc: 400, rest: 500},
        },
        frameworkFloorColdStartMs: {
          user: {grpc: 700, rest: 600},
          order: {grpc: 500, rest: 520},
        },
        frameworkFloorWithLibrariesColdStartMs: {
          user: {grpc: 760, rest: 640},
          order: {grpc: 600, rest: 540},
        },
      }),
      SCENARIOS,
      [1, 32],
    );
    // Each on its own faster transport (the floor: REST 400 for user, gRPC
    // 400 for order; with the libraries: REST 640 and 540).
    expect(ratios).to.include({
      'user first answer: the floor in the Functions Framework with zod and the OpenTelemetry SDK loaded vs the floor (faster transports)': 1.6,
      'order first answer: the floor in the Functions Framework with zod and the OpenTelemetry SDK loaded vs the floor (faster transports)': 1.35,
      'user first answer: the floor in the Functions Framework vs the floor (faster transports)': 1.5,
      "user first answer vs the floor's in the Functions Framework (its faster transport)": 1.1,
      'order first answer: the floor in the Functions Framework vs the floor (faster transports)': 1.25,
      "order first answer vs the floor's in the Functions Framework (its faster transport)": 1.12,
    });
    // The target stays judged against the plain floor.
    expect(
      ratios["user first answer vs the floor's (its faster transport)"],
    ).to.equal(1.65);
  });

  it('prints beside each cold-start ratio of medians the least and greatest of its samples taken in the same turn', () => {
    const {ratios, targets} = buildReport(
      rows({ours: 300, floor: 500}),
      figures({
        coldStartMs: {hello: 200, gateway: 300, user: 500, order: 500},
        floorColdStartMs: {
          user: {grpc: 500, rest: 400},
          order: {grpc: 400, rest: 500},
        },
        coldStartSamplesMs: {
          ours: {
            hello: [200, 100, 400],
            gateway: [300, 200, 400],
            user: [500, 480, 600],
            order: [500, 440, 900],
          },
          floor: {
            user: {grpc: [1, 1, 1], rest: [400, 400, 300]},
            order: {grpc: [400, 400, 300], rest: [1, 1, 1]},
          },
          frameworkFloor: {},
          frameworkFloorWithLibraries: {
            user: {grpc: [1, 1, 1], rest: [250, 400, 300]},
          },
          withoutDevice: {},
        },
        frameworkFloorColdStartMs: {user: {grpc: 900, rest: 300}},
        frameworkFloorWithLibrariesColdStartMs: {user: {grpc: 900, rest: 400}},
      }),
      SCENARIOS,
      [1, 32],
    );
    expect(ratios['gateway cold start vs hello-world']).to.equal(1.5);
    expect(
      ratios['gateway cold start vs hello-world, per sample low'],
    ).to.equal(1);
    expect(
      ratios['gateway cold start vs hello-world, per sample high'],
    ).to.equal(2);
    // Paired with the floor's faster transport: REST for user, gRPC for order.
    expect(
      ratios[
        "user first answer vs the floor's (its faster transport), per sample low"
      ],
    ).to.equal(1.2);
    expect(
      ratios[
        "user first answer vs the floor's (its faster transport), per sample high"
      ],
    ).to.equal(2);
    expect(
      ratios[
        "order first answer vs the floor's (its faster transport), per sample high"
      ],
    ).to.equal(3);
    expect(targets.map(t => t.target)).to.include.members([
      'gateway cold start <= 1.3x hello-world (ratio of medians; sample by sample 1–2)',
      "user first answer <= 1.1x the floor's in the Functions Framework with zod and the OpenTelemetry SDK (ratio of medians; sample by sample 1.2–2)",
    ]);
  });

  it('judges ours as deployed against the floor, the end-user checks off beside it when that ran', () => {
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
      target: "mesh, c=32: ours as deployed >= 0.8x the floor's throughput",
      value: 0.5,
      met: false,
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
      "logging and tracing add <= 5% CPU per request at the Google Cloud ratio (on vs off in the same processes, fixed rate, every route's rounds: point estimate, 95% interval 1.01–1.05)",
      'gateway cold start <= 1.3x hello-world',
      'user cold start <= 1.3x hello-world',
      'order cold start <= 1.3x hello-world',
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
    expect(
      report.ratios[
        'every route: logging and tracing on, every request traced, vs off'
      ],
    ).to.equal(1.03);
  });

  it('puts the directly measured cost of its request lines against each route with them off', () => {
    const costs = telemetry(1.03);
    costs.routes['user-hop'].cpuMsPerRequest.off = 2;
    costs.routes.mesh.cpuMsPerRequest.off = 6;
    const {ratios} = buildReport(
      rows({}),
      figures({
        telemetry: costs,
        telemetryUsPerRequest: {
          on: 90,
          off: 30,
          added: 60,
          spans: 40,
          sdkSpans: 30,
        },
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
    const sdk = (id: string, functions: number) =>
      ratios[
        `${id}: the same spans made by the OpenTelemetry SDK's own parts alone, in ${functions} functions, vs the route's CPU with logging and tracing off`
      ];
    // The SDK's spans of two functions, 30 us each, against 2 ms.
    expect(sdk('user-hop', 2)).to.equal(0.03);
    expect(sdk('mesh', 3)).to.equal(0.015);
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

/**
 * `npm run bench`: what our functions cost, measured in one run on this
 * machine against same-run baselines (the variants are in targets.ts): above
 * all against the floor of the same work, plus the Functions Framework's
 * per-request domain, authentication, end-user checks, logging, and the
 * naive client. Also: token requests per 1,000 gateway requests,
 * verification cost per token, cold starts against a Functions Framework
 * hello-world, and memory. By default in about fourteen minutes;
 * BENCH_FULL=1 for the long run (options.ts).
 *
 * Settings come from the environment (options.ts); results are printed and
 * written to bench/results/latest.json.
 */
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {startFirestoreEmulator} from '../local/firestore-emulator';
import {ROOT} from '../local/stack';
import {measureAll, telemetryCost, warmUpAll} from './measure';
import {oneUserCreates} from './one-user-creates';
import {parseBenchOptions} from './options';
import {coldStarts, FIRST_ROUTES} from './cold-starts';
import {peakRssMb, rssMb, telemetryCostUs, verificationCostUs} from './probes';
import {memoryBytes} from '../local/memory';
import {functionsNode} from '../local/runtime';
import type {Figures} from './figures';
import {buildReport} from './report';
import {MESH, SCENARIOS} from './scenarios';
import {round} from './stats';
import {formatTable} from './table';
import {startTargets, type Target} from './targets';

const log = (line: string) => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const startedAt = performance.now();
  const options = parseBenchOptions(process.env, ROOT);
  log(
    `Benchmark (${options.full ? 'full: BENCH_FULL=1' : 'default; BENCH_FULL=1 for the long run'}): ${options.rounds} rounds of ${options.durationS}s per run after ${options.runWarmupS}s of warm-up, concurrency ${options.concurrency.join(' and ')}, node ${process.version}, ${os.cpus().length} cores`,
  );
  const emulator = process.env.FIRESTORE_EMULATOR_HOST
    ? undefined
    : await startFirestoreEmulator();
  const firestoreHost = process.env.FIRESTORE_EMULATOR_HOST ?? emulator!.host;
  let targets: Target[] = [];
  let stopping: Promise<void> | undefined;
  // A step that hangs (a client closing while load is still in flight)
  // must not keep the others, the emulator above all, from stopping.
  const bounded = (step: Promise<void>) =>
    Promise.race([step, new Promise<void>(r => setTimeout(r, 5000).unref())]);
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const t of [...targets].reverse()) await bounded(t.stop());
      await emulator?.stop();
    })());
  // Ctrl-C stops what the benchmark started: each runs in its own group.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  try {
    targets = await startTargets(
      firestoreHost,
      options.variants,
      options.firestoreReads,
    );
    log(`Targets: ${options.variants.join(', ')}`);
    const byId = Object.fromEntries(targets.map(t => [t.variant, t]));
    const ours = byId.ours;
    const issued = (t: Target) =>
      Object.values(t.stack?.identity.issued ?? {}).reduce((a, b) => a + b, 0);
    log(
      'Warming every target up (the emulator, its processes, its project) until its throughput stops rising:',
    );
    const warmup = await warmUpAll(targets, options, log);
    // Counted from here: a caller's first token for each callee on the
    // mesh comes with the warm-up, and counting it would charge the
    // variants loaded on one route (fewer requests) more per request for
    // the same tokens. The gateway's first for order (the one-hop and
    // direct routes) comes with their settling rounds: one token counted
    // among thousands of requests.
    const issuedBefore = Object.fromEntries(
      targets.map(t => [t.variant, issued(t)]),
    );

    // Each read straight after its own last run of the mesh route, the
    // load ours and framework-domain have both served, and framework-domain
    // alone.
    const rssMbAfterLoad: Figures['rssMbAfterLoad'] = {};
    const {rows, requests} = await measureAll(
      targets,
      options,
      log,
      (target, route) => {
        const {variant, stack} = target;
        if (route !== MESH || stack === undefined) return;
        if (variant !== 'ours' && variant !== 'framework-domain') return;
        rssMbAfterLoad[variant] = Object.fromEntries(
          Object.entries(stack.pids).map(([fn, pid]) => [fn, rssMb(pid)]),
        );
      },
    );

    const figures: Figures = {
      coldStartMs: {},
      rssMbAfterLoad,
      warmup,
    };
    if (byId.silent !== undefined) {
      log('What logging and tracing cost, at a fixed rate per route:');
      figures.telemetry = await telemetryCost(byId.silent, rows, options, log);
    }
    for (const t of targets.filter(t => t.stack)) {
      figures[`tokensPer1000Requests_${t.variant}`] = round(
        ((issued(t) - issuedBefore[t.variant]) / requests[t.variant]) * 1000,
        2,
      );
    }
    const floorFirestore = byId.floor?.firestore;
    if (floorFirestore !== undefined) {
      figures.firestoreReads = floorFirestore.reads;
      figures.floorFirestoreTransport = floorFirestore.floorTransport;
      for (const [client, r] of Object.entries(floorFirestore.reads))
        log(
          `  one Firestore read, ${client.padEnd(4)} client: ${r.cpuMsPerRead} ms CPU, ${r.readsPerSec} reads/s at 16 in flight`,
        );
      log(`  the floor ran on ${floorFirestore.floorTransport}`);
    }
    figures.peakRssMb = Object.fromEntries(
      Object.entries(ours.stack!.pids).map(([fn, pid]) => [
        fn,
        {
          peak: peakRssMb(pid),
          limit:
            memoryBytes(ours.stack!.layout.topology.get(fn).resources.memory) /
            1024 /
            1024,
        },
      ]),
    );
    // After the peak memory is read: this load is not the one it judges.
    log("One user's creates, every connection for the same user:");
    const oneUser = await oneUserCreates(
      ours,
      [Math.max(...options.concurrency), 64],
      options.durationS,
      options.runWarmupS,
    );
    figures.oneUserCreates = oneUser;
    for (const f of oneUser)
      log(
        `  ${f.connections} connections: ${f.createdPerSec} created/s, ${round(f.notCreatedShare * 100, 1)}% not created (429), p99 ${f.p99Ms} ms`,
      );
    figures.telemetryUsPerRequest = await telemetryCostUs(
      options.telemetryIterations,
    );
    figures.verifyUsPerToken = await verificationCostUs(
      ours.stack!,
      options.verifyIterations,
    );
    // Ours start as deployed: with the compile cache gcp-build fills, as
    // the floor in the Functions Framework does. The hello-world and the
    // floor start the default way, without one.
    execFileSync(
      functionsNode(),
      [path.join(ROOT, 'scripts', 'compile-cache.js')],
      {
        cwd: ROOT,
      },
    );
    const starts = await coldStarts(ours.stack!, options.coldStartSamples);
    Object.assign(figures, starts);
    const samples = starts.coldStartSamplesMs;
    for (const [name, ms] of Object.entries(samples.ours)) {
      log(
        `  cold start ${name.padEnd(8)} median ${starts.coldStartMs[name]} ms of [${ms.join(', ')}]${name in FIRST_ROUTES ? ` to its first answer of ${FIRST_ROUTES[name]}` : ''}`,
      );
      if (!(name in FIRST_ROUTES)) continue;
      for (const transport of ['grpc', 'rest'] as const)
        log(
          `    the floor's on ${transport}: median ${starts.floorColdStartMs[name][transport]} ms of [${samples.floor[name][transport].join(', ')}]; in the Functions Framework ${starts.frameworkFloorColdStartMs[name][transport]} ms of [${samples.frameworkFloor[name][transport].join(', ')}]; there with zod and the OpenTelemetry SDK loaded ${starts.frameworkFloorWithLibrariesColdStartMs[name][transport]} ms of [${samples.frameworkFloorWithLibraries[name][transport].join(', ')}]`,
        );
      for (const [device, byRole] of Object.entries(samples.withoutDevice))
        log(
          `    ours without ${device}: median ${starts.withoutDeviceColdStartMs[device][name]} ms of [${byRole[name].join(', ')}]`,
        );
    }

    const {ratios, targets: goals} = buildReport(
      rows,
      figures,
      SCENARIOS,
      options.concurrency,
    );
    log('');
    for (const line of formatTable(
      rows,
      SCENARIOS,
      options.concurrency,
      options.variants,
    ))
      log(line);
    log('\nRatios');
    for (const [k, v] of Object.entries(ratios)) log(`  ${k.padEnd(64)} ${v}`);
    log('\nOther figures');
    for (const [k, v] of Object.entries(figures))
      log(`  ${k.padEnd(36)} ${JSON.stringify(v)}`);
    log('\nTargets');
    for (const t of goals)
      log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.value}`);

    mkdirSync(path.dirname(options.out), {recursive: true});
    writeFileSync(
      options.out,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: {
            node: process.version,
            cores: os.cpus().length,
            cpu: os.cpus()[0]?.model,
            platform: `${os.platform()} ${os.release()}`,
          },
          settings: {...options, routesOf: undefined},
          routes: Object.fromEntries(
            options.variants.map(v => [v, options.routesOf(v)]),
          ),
          elapsedS: Math.round((performance.now() - startedAt) / 1000),
          scenarios: SCENARIOS.map(({id, title, method, path: p}) => ({
            id,
            title,
            method,
            path: p,
          })),
          results: rows,
          figures,
          ratios,
          targets: goals,
        },
        null,
        2,
      ) + '\n',
    );
    log(
      `\nWrote ${path.relative(ROOT, options.out)} after ${Math.round((performance.now() - startedAt) / 1000)} s`,
    );
    if (path.basename(options.out) === 'latest.json')
      log(
        'npm run readme puts its targets in the README (a test fails until it does).',
      );
  } finally {
    await stopAll();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(
    `bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});

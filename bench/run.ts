/**
 * `npm run bench`: what authenticated service-to-service calls cost, measured
 * in one run on this machine against same-run baselines:
 * - limit:    the same three-process shape with plain Node http servers that
 *             only forward and answer fixed JSON (bench/limit-server.ts);
 * - ours:     the real stack (emulator, identity server, three functions);
 * - auth off: the real stack with AUTH_MODE=off (no tokens minted or checked);
 * - naive:    the real stack with the seed's client: a new token per call,
 *             no keep-alive (bench/naive-functions.ts).
 * Also: token requests per 1,000 gateway requests, verification cost per
 * token, cold starts against a Functions Framework hello-world, and memory.
 *
 * Env: BENCH_DURATION (s per run, default 5), BENCH_SMOKE=1 (a few seconds,
 * for the test suite), BENCH_OUT (default bench/results/latest.json).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {TokenVerifier} from '../functions/common/auth/verifier';
import type {AuthMode, ServiceName} from '../functions/common/config';
import {startFirestoreEmulator} from '../local/firestore-emulator';
import {freePort, stopGroup, waitFor} from '../local/processes';
import {
  functionEnv,
  ROOT,
  spawnFunction,
  startStack,
  type Stack,
} from '../local/stack';
import {claimsFor} from '../local/token-signer';
import {load, type LoadResult, type Scenario} from './load';

const SMOKE = process.env.BENCH_SMOKE === '1';
const DURATION_S = Number(process.env.BENCH_DURATION ?? (SMOKE ? 0.3 : 3));
/** Each figure is the median of this many runs, taken at different times in the run. */
const ROUNDS = SMOKE ? 1 : 3;
const WARMUP_S = SMOKE ? 0 : 1;
const CONCURRENCY = SMOKE ? [1] : [1, 32];
const COLD_SAMPLES = SMOKE ? 1 : 5;
const VERIFY_ITERATIONS = SMOKE ? 50 : 500;
const OUT =
  process.env.BENCH_OUT ?? path.join(ROOT, 'bench', 'results', 'latest.json');

const SCENARIOS: Scenario[] = [
  {
    id: 'user-hop',
    title: 'GET /api/users/user-001 (one hop)',
    method: 'GET',
    path: '/api/users/user-001',
  },
  {
    id: 'order-hop',
    title: 'GET /api/orders?userId=user-001 (one hop)',
    method: 'GET',
    path: '/api/orders?userId=user-001',
  },
  {
    id: 'mesh',
    title: 'GET /api/user-orders/user-001 (mesh, 2 hops chained)',
    method: 'GET',
    path: '/api/user-orders/user-001',
  },
  {
    id: 'direct',
    title: 'GET /api/user-orders-direct/user-001 (direct, 2 hops parallel)',
    method: 'GET',
    path: '/api/user-orders-direct/user-001',
  },
  {
    id: 'create',
    title: 'POST /api/orders (validated write, 2 hops)',
    method: 'POST',
    path: '/api/orders',
    body: {
      userId: 'user-002',
      items: [{product: 'Bench', quantity: 2, price: 9.99}],
    },
  },
];

type VariantId = 'limit' | 'ours' | 'auth-off' | 'naive';
interface Row extends LoadResult {
  variant: VariantId;
  scenario: string;
  concurrency: number;
  /** CPU time per request of the target's processes (functions or limit servers) and the identity servers. */
  cpuMsPerRequest: number;
}

interface Target {
  variant: VariantId;
  url: string;
  /** The processes serving it, whose CPU time is counted. */
  pids: number[];
}

/** CPU time (user + system) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]
    .split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

const log = (line: string) => process.stdout.write(line + '\n');
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Runs every scenario at every concurrency against every target, ROUNDS
 * times. For each (scenario, concurrency) the targets take turns in a
 * rotating order, so that warm-up (the emulator's JIT above all) and drift
 * over the run favour none of them; each figure is the median round by
 * throughput. Returns requests sent per target.
 */
async function measureAll(
  targets: Target[],
  rows: Row[],
): Promise<Record<string, number>> {
  const requests: Record<string, number> = {};
  const samples = new Map<string, Row[]>();
  let turn = 0;
  for (let roundNo = 1; roundNo <= ROUNDS; roundNo++) {
    for (const scenario of SCENARIOS) {
      for (const c of CONCURRENCY) {
        const order = targets.map(
          (_, i) => targets[(i + turn) % targets.length],
        );
        turn++;
        for (const {variant, url, pids} of order) {
          if (WARMUP_S > 0) await load(url, scenario, c, WARMUP_S);
          // This process hosts the identity servers (the metadata server's
          // part), so its CPU time counts too; load comes from a child.
          const cpuBefore = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
          const ownBefore = process.cpuUsage();
          const r = await load(url, scenario, c, DURATION_S);
          const own = process.cpuUsage(ownBefore);
          const cpu =
            pids.reduce((sum, pid) => sum + cpuMs(pid), 0) -
            cpuBefore +
            (own.user + own.system) / 1000;
          requests[variant] = (requests[variant] ?? 0) + r.requests;
          const row = {
            variant,
            scenario: scenario.id,
            concurrency: c,
            ...r,
            cpuMsPerRequest: round(cpu / r.requests, 3),
          };
          const key = `${variant}/${scenario.id}/${c}`;
          samples.set(key, [...(samples.get(key) ?? []), row]);
          log(
            `  round ${roundNo} ${scenario.id.padEnd(9)} c=${String(c).padEnd(3)} ${variant.padEnd(8)} ${r.requestsPerSec.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50Ms).padStart(4)} ms  p99 ${String(r.p99Ms).padStart(4)} ms  cpu ${row.cpuMsPerRequest} ms/req  errors ${r.errors}`,
          );
        }
      }
    }
  }
  for (const runs of samples.values()) {
    const sorted = [...runs].sort(
      (a, b) => a.requestsPerSec - b.requestsPerSec,
    );
    rows.push({
      ...sorted[Math.floor(sorted.length / 2)],
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
    });
  }
  return requests;
}

async function startLimit(): Promise<{
  url: string;
  pids: number[];
  stop: () => Promise<void>;
}> {
  const script = path.join(ROOT, 'build', 'bench', 'limit-server.js');
  const ports = {
    gateway: await freePort(),
    user: await freePort(),
    order: await freePort(),
  };
  const url = (p: number) => `http://127.0.0.1:${p}`;
  const children: ChildProcess[] = [
    spawn(process.execPath, [script, 'order', String(ports.order)], {
      detached: true,
      stdio: 'ignore',
    }),
    spawn(
      process.execPath,
      [script, 'user', String(ports.user), '', url(ports.order)],
      {detached: true, stdio: 'ignore'},
    ),
    spawn(
      process.execPath,
      [
        script,
        'gateway',
        String(ports.gateway),
        url(ports.user),
        url(ports.order),
      ],
      {detached: true, stdio: 'ignore'},
    ),
  ];
  await waitFor(
    'the limit servers',
    async () => (await fetch(`${url(ports.gateway)}/api/users/x`)).ok,
    10_000,
  );
  return {
    url: url(ports.gateway),
    pids: children.map(c => c.pid!),
    stop: async () => void (await Promise.all(children.map(c => stopGroup(c)))),
  };
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return match ? round(Number(match[1]) / 1024, 1) : NaN;
}

/** Process start to first 200, in ms, for one function of `stack`'s shape. */
async function coldStart(
  name: ServiceName | 'hello',
  stack: Stack,
): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  const headers: Record<string, string> = {};
  const started = performance.now();
  if (name === 'hello') {
    child = spawnFunction(
      'hello',
      port,
      {PATH: process.env.PATH ?? ''},
      {source: path.join(ROOT, 'build', 'bench', 'hello.js')},
    );
  } else {
    const {info} = stack;
    // The same surroundings as the stack's own instance, on a new URL.
    const where = {
      ...stack.surroundings,
      urls: {...stack.surroundings.urls, [name]: url},
    };
    if (name !== 'gateway') {
      headers.authorization = `Bearer ${stack.identity.signer.sign(claimsFor(info.issuer.url, info.accounts.gateway, url))}`;
    }
    child = spawnFunction(
      name,
      port,
      functionEnv(name, where, {logLevel: 'warning'}),
    );
  }
  child.stdout?.resume();
  child.stderr?.resume();
  let ms = NaN;
  await waitFor(
    `${name} cold start`,
    async () => {
      const ok = (await fetch(`${url}/`, {headers})).status === 200;
      if (ok) ms = performance.now() - started;
      return ok;
    },
    30_000,
    child,
  );
  await stopGroup(child);
  return round(ms, 0);
}

/**
 * Verification cost per token with the issuer's keys cached: for a token seen
 * for the first time (RSA check) and for one already verified (cache hit).
 */
async function verificationCostUs(
  stack: Stack,
): Promise<{newToken: number; repeatedToken: number}> {
  const {info} = stack;
  const verifier = new TokenVerifier({
    mode: 'verify',
    audience: info.order,
    allowedCallers: [info.accounts.gateway],
    issuer: info.issuer.url,
    certsUrl: info.issuer.certsUrl,
  });
  const mint = (i: number) =>
    `Bearer ${stack.identity.signer.sign({...claimsFor(info.issuer.url, info.accounts.gateway, info.order), jti: String(i)})}`;
  await verifier.authenticate(mint(-1)); // fetches and caches the keys
  const fresh = Array.from({length: VERIFY_ITERATIONS}, (_, i) => mint(i));
  const time = async (headers: string[]) => {
    const started = process.hrtime.bigint();
    for (const h of headers) await verifier.authenticate(h);
    return round(
      Number(process.hrtime.bigint() - started) / 1000 / headers.length,
      1,
    );
  };
  const newToken = await time(fresh);
  const repeatedToken = await time(
    Array.from({length: VERIFY_ITERATIONS}, () => fresh[0]),
  );
  return {newToken, repeatedToken};
}

async function main(): Promise<void> {
  log(
    `Benchmark: ${DURATION_S}s per run after ${WARMUP_S}s warm-up, concurrency ${CONCURRENCY.join(' and ')}, node ${process.version}, ${os.cpus().length} cores`,
  );
  const emulator = process.env.FIRESTORE_EMULATOR_HOST
    ? undefined
    : await startFirestoreEmulator();
  const firestoreHost = process.env.FIRESTORE_EMULATOR_HOST ?? emulator!.host;
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const limit = await startLimit();
    stoppers.push(limit.stop);
    const variants: {id: VariantId; authMode: AuthMode; source?: string}[] = [
      {id: 'ours', authMode: 'verify'},
      {id: 'auth-off', authMode: 'off'},
      {
        id: 'naive',
        authMode: 'verify',
        source: path.join(ROOT, 'build', 'bench', 'naive-functions.js'),
      },
    ];
    const stacks = {} as Record<VariantId, Stack>;
    for (const v of variants) {
      stacks[v.id] = await startStack({
        // A fresh project per run: the emulator's queries slow down as data piles up.
        projectId: `bench-${v.id}-${Date.now().toString(36)}`,
        // The functions themselves, without the local stand-ins for Google's
        // front end and connector, whose cost is Google's on Google Cloud.
        mode: 'verify',
        firestoreHost,
        authMode: v.authMode,
        source: v.source,
      });
      stoppers.push(stacks[v.id].stop);
    }
    log(
      'Targets: limit (plain http forwarders), ours (the real stack), auth-off (AUTH_MODE=off), naive (a token per call, no keep-alive)',
    );
    const issued = (v: VariantId) =>
      Object.values(stacks[v].identity.issued).reduce((a, b) => a + b, 0);
    const issuedBefore = Object.fromEntries(
      variants.map(v => [v.id, issued(v.id)]),
    );
    const requests = await measureAll(
      [
        {variant: 'limit', url: limit.url, pids: limit.pids},
        ...variants.map(v => ({
          variant: v.id,
          url: stacks[v.id].info.gateway,
          pids: Object.values(stacks[v.id].pids),
        })),
      ],
      rows,
    );
    for (const v of variants) {
      extra[`tokensPer1000Requests_${v.id}`] = round(
        ((issued(v.id) - issuedBefore[v.id]) / requests[v.id]) * 1000,
        2,
      );
    }
    const ours = stacks.ours;
    extra.rssMbAfterLoad = Object.fromEntries(
      Object.entries(ours.pids).map(([n, pid]) => [n, rssMb(pid)]),
    );
    extra.verifyUsPerToken = await verificationCostUs(ours);
    const cold: Record<string, number> = {};
    for (const name of ['hello', 'gateway', 'user', 'order'] as const) {
      const samples = [];
      for (let i = 0; i < COLD_SAMPLES; i++)
        samples.push(await coldStart(name, ours));
      cold[name] = median(samples);
      log(
        `  cold start ${name.padEnd(8)} median ${cold[name]} ms of [${samples.join(', ')}]`,
      );
    }
    extra.coldStartMs = cold;
  } finally {
    for (const stop of stoppers.reverse()) await stop();
    await emulator?.stop();
  }
  report(rows, extra);
}

function report(rows: Row[], extra: Record<string, unknown>): void {
  const get = (variant: VariantId, scenario: string, c: number) =>
    rows.find(
      r =>
        r.variant === variant && r.scenario === scenario && r.concurrency === c,
    )!;
  const cMax = Math.max(...CONCURRENCY);
  const ratio = (a: number, b: number) => round(a / b, 2);
  const ratios: Record<string, number> = {};
  for (const s of SCENARIOS) {
    ratios[`${s.id}: ours vs limit (throughput, c=${cMax})`] = ratio(
      get('ours', s.id, cMax).requestsPerSec,
      get('limit', s.id, cMax).requestsPerSec,
    );
    ratios[`${s.id}: auth on vs off (throughput, c=${cMax})`] = ratio(
      get('ours', s.id, cMax).requestsPerSec,
      get('auth-off', s.id, cMax).requestsPerSec,
    );
    ratios[`${s.id}: ours vs naive (throughput, c=${cMax})`] = ratio(
      get('ours', s.id, cMax).requestsPerSec,
      get('naive', s.id, cMax).requestsPerSec,
    );
  }
  ratios[`mesh: naive vs ours (CPU per request, c=${cMax})`] = ratio(
    get('naive', 'mesh', cMax).cpuMsPerRequest,
    get('ours', 'mesh', cMax).cpuMsPerRequest,
  );
  ratios['direct vs mesh (p50 latency, c=1)'] = ratio(
    get('ours', 'direct', 1).p50Ms,
    get('ours', 'mesh', 1).p50Ms,
  );
  const slowerHop = Math.max(
    get('ours', 'user-hop', 1).p50Ms,
    get('ours', 'order-hop', 1).p50Ms,
  );
  ratios['direct vs slower single hop (p50 latency, c=1)'] = ratio(
    get('ours', 'direct', 1).p50Ms,
    slowerHop,
  );
  const cold = extra.coldStartMs as Record<string, number>;
  ratios['gateway cold start vs hello-world'] = ratio(cold.gateway, cold.hello);

  const targets = [
    {
      target: 'auth on vs off, every route: >= 0.8x throughput',
      value: Math.min(
        ...SCENARIOS.map(
          s => ratios[`${s.id}: auth on vs off (throughput, c=${cMax})`],
        ),
      ),
      ok: (v: number) => v >= 0.8,
    },
    {
      target: 'ours vs naive, mesh route: >= 2x throughput',
      value: ratios[`mesh: ours vs naive (throughput, c=${cMax})`],
      ok: (v: number) => v >= 2,
    },
    {
      target: 'direct p50 (c=1) <= 1.2x the slower single hop',
      value: ratios['direct vs slower single hop (p50 latency, c=1)'],
      ok: (v: number) => v <= 1.2,
    },
    {
      target: 'gateway cold start <= 1.5x hello-world',
      value: ratios['gateway cold start vs hello-world'],
      ok: (v: number) => v <= 1.5,
    },
  ].map(t => ({target: t.target, value: t.value, met: t.ok(t.value)}));

  log(
    `\n${'Scenario'.padEnd(64)}variant   conc    req/s   p50 ms  p99 ms  cpu ms/req  errors`,
  );
  for (const s of SCENARIOS) {
    for (const c of CONCURRENCY) {
      for (const v of ['limit', 'ours', 'auth-off', 'naive'] as VariantId[]) {
        const r = get(v, s.id, c);
        log(
          `${s.title.padEnd(64)}${v.padEnd(10)}${String(c).padStart(4)}${r.requestsPerSec.toFixed(0).padStart(9)}${String(r.p50Ms).padStart(9)}${String(r.p99Ms).padStart(8)}${r.cpuMsPerRequest.toFixed(2).padStart(9)}${String(r.errors).padStart(8)}`,
        );
      }
    }
  }
  log('\nRatios');
  for (const [k, v] of Object.entries(ratios)) log(`  ${k.padEnd(58)} ${v}`);
  log('\nOther figures');
  for (const [k, v] of Object.entries(extra))
    log(`  ${k.padEnd(36)} ${JSON.stringify(v)}`);
  log('\nTargets');
  for (const t of targets)
    log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.value}`);

  mkdirSync(path.dirname(OUT), {recursive: true});
  writeFileSync(
    OUT,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          node: process.version,
          cores: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          platform: `${os.platform()} ${os.release()}`,
        },
        settings: {
          rounds: ROUNDS,
          durationS: DURATION_S,
          warmupS: WARMUP_S,
          concurrency: CONCURRENCY,
          coldStartSamples: COLD_SAMPLES,
          smoke: SMOKE,
        },
        scenarios: SCENARIOS.map(({id, title, method, path: p}) => ({
          id,
          title,
          method,
          path: p,
        })),
        results: rows,
        figures: extra,
        ratios,
        targets,
      },
      null,
      2,
    ) + '\n',
  );
  log(`\nWrote ${path.relative(ROOT, OUT)}`);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});

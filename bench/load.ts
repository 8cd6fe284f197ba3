/**
 * One load run. As fast as the target answers (no rate), with wrk
 * (wrk.ts): a C load generator that costs a fraction of a core, where
 * autocannon's Node process took a large share of the machine's two cores
 * from the targets and compressed every ratio between them. At a fixed
 * rate, which wrk cannot hold, with autocannon, in a child process of its
 * own, so the load generator shares a process neither with the servers nor
 * with the identity servers the benchmark hosts. One such process serves
 * every rated run, one at a time: starting one per run cost most of a
 * second each time, a tenth of the benchmark.
 */
import autocannon from 'autocannon';
import {fork, type ChildProcess} from 'node:child_process';
import {runWrk, type WrkErrorKind} from './wrk';

export interface Scenario {
  id: string;
  title: string;
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  /**
   * The body's `userId` is spread over these: one user's creates contend
   * in the transaction that counts that user's open orders
   * (order/store.ts), and a shopper does not send sixteen at a time. wrk
   * turns them per request (wrk.ts), autocannon gives each connection one.
   */
  buyers?: string[];
  /** How many functions one request runs in: the request lines it writes. */
  functions: number;
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Connection errors, timeouts and error answers (autocannon: any not 2xx). */
  errors: number;
  /** wrk's runs: the errors by kind. */
  errorsByKind?: Record<WrkErrorKind, number>;
}

/** Where the load goes: a gateway, and the headers every request carries. */
export interface LoadTarget {
  url: string;
  headers: Record<string, string>;
}

interface LoadJob extends LoadTarget {
  scenario: Scenario;
  connections: number;
  durationS: number;
  /** Requests per second across all connections. */
  rate: number;
}

/** Sets each connection's request body for a user of its own. */
function buyerPerConnection(scenario: Scenario) {
  const buyers = scenario.buyers!;
  let next = 0;
  return (request: autocannon.Request, context: object) => {
    const own = context as {body?: string};
    own.body ??= JSON.stringify({
      ...scenario.body,
      userId: buyers[next++ % buyers.length],
    });
    return {...request, body: own.body};
  };
}

async function run(job: LoadJob): Promise<LoadResult> {
  const {scenario} = job;
  const result = await autocannon({
    url: `${job.url}${scenario.path}`,
    method: scenario.method,
    connections: job.connections,
    duration: job.durationS,
    overallRate: job.rate,
    timeout: 20,
    headers: {
      ...job.headers,
      ...(scenario.body === undefined
        ? {}
        : {'content-type': 'application/json'}),
    },
    body:
      scenario.body === undefined ? undefined : JSON.stringify(scenario.body),
    ...(scenario.buyers !== undefined && {
      requests: [{setupRequest: buyerPerConnection(scenario)}],
    }),
  });
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** A run's answer from the load process: its result, or why it failed. */
interface LoadReply {
  id: number;
  result?: LoadResult;
  error?: string;
}

let loader: ChildProcess | undefined;
let nextId = 0;
const waiting = new Map<
  number,
  {resolve: (r: LoadResult) => void; reject: (e: Error) => void}
>();

/**
 * The load process, started on first use. Its channel holds this process
 * open only while a run is waiting for it; it exits when this one does.
 */
function loadProcess(): ChildProcess {
  if (loader !== undefined) return loader;
  const child = fork(__filename, [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.on('message', ({id, result, error}: LoadReply) => {
    const run = waiting.get(id);
    waiting.delete(id);
    if (waiting.size === 0) child.channel?.unref();
    if (result !== undefined) run?.resolve(result);
    else run?.reject(new Error(error ?? 'the load run failed'));
  });
  child.on('exit', code => {
    loader = undefined;
    for (const run of waiting.values())
      run.reject(new Error(`the load process exited (${code})`));
    waiting.clear();
  });
  child.unref();
  child.channel?.unref();
  loader = child;
  return child;
}

/** `scenario` at `rate` requests per second, in the load process. */
function loadAtRate(
  target: LoadTarget,
  scenario: Scenario,
  connections: number,
  durationS: number,
  rate: number,
): Promise<LoadResult> {
  const job: LoadJob = {
    url: target.url,
    headers: target.headers,
    scenario,
    connections,
    durationS,
    rate,
  };
  const child = loadProcess();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, {resolve, reject});
    child.channel?.ref();
    child.send({id, job});
  });
}

/** `scenario` with wrk, as fast as its answers come. */
async function loadWithWrk(
  target: LoadTarget,
  scenario: Scenario,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const run = await runWrk(target, scenario, connections, durationS);
  return {
    requestsPerSec: run.requests / run.durationS,
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    requests: run.requests,
    errors: run.errors,
    errorsByKind: run.errorsByKind,
  };
}

/**
 * Loads `url` with `scenario` from a separate process: `connections` at a
 * time, as fast as they are answered (wrk) or at `rate` requests per
 * second (autocannon).
 */
export function load(
  target: LoadTarget,
  scenario: Scenario,
  connections: number,
  durationS: number,
  rate?: number,
): Promise<LoadResult> {
  return rate === undefined
    ? loadWithWrk(target, scenario, connections, durationS)
    : loadAtRate(target, scenario, connections, durationS, rate);
}

if (require.main === module) {
  process.on('message', ({id, job}: {id: number; job: LoadJob}) => {
    run(job).then(
      result => process.send!({id, result}),
      (e: unknown) => process.send!({id, error: String(e)}),
    );
  });
  // The benchmark is gone: so is its load process.
  process.on('disconnect', () => process.exit(0));
}

/**
 * What the benchmark reads besides throughput and cold starts
 * (cold-starts.ts): CPU time and memory of a process (from /proc), the cost
 * of verifying a token, of logging and tracing a request, and of one
 * Firestore read.
 */
import {execFile, spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {TokenVerifier} from '../functions/common/identity/verifier';
import {lineSplitter} from '../local/logs';
import {peakResidentBytes, residentBytes} from '../local/memory';
import {functionsNode} from '../local/runtime';
import {ROOT, type Stack} from '../local/stack';
import {claimsFor} from '../local/token-signer';
import {otlpSink} from './otlp-sink';
import {median, round} from './stats';

const CLOCK_TICKS = 100;

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]
    .split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

const inMb = (bytes: number | undefined) =>
  bytes === undefined ? NaN : round(bytes / 1024 / 1024, 1);

/** Resident memory of a process, in MiB (NaN once it is gone). */
export function rssMb(pid: number): number {
  return inMb(residentBytes(pid));
}

/** The most resident memory a process has had, in MiB (NaN once it is gone). */
export function peakRssMb(pid: number): number {
  return inMb(peakResidentBytes(pid));
}

/**
 * Verification cost per token with the issuer's keys cached: for a token seen
 * for the first time (RSA check) and for one already verified (cache hit).
 */
export async function verificationCostUs(
  stack: Stack,
  iterations: number,
): Promise<{newToken: number; repeatedToken: number}> {
  const {info} = stack;
  const verifier = new TokenVerifier({
    mode: 'verify',
    audience: info.urls.order,
    allowedCallers: [info.accounts.gateway],
    issuer: info.issuer.url,
    certsUrl: info.issuer.certsUrl,
  });
  const mint = (i: number) =>
    `Bearer ${stack.identity.signer.sign({...claimsFor(info.issuer.url, info.accounts.gateway, info.urls.order), jti: String(i)})}`;
  await verifier.authenticate(mint(-1)); // fetches and caches the keys
  const fresh = Array.from({length: iterations}, (_, i) => mint(i));
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
    Array.from({length: iterations}, () => fresh[0]),
  );
  return {newToken, repeatedToken};
}

/** What a probe writes to stderr when it is done: CPU per request, and more. */
export type ProbeResult = {us: number} & Record<string, number>;

/**
 * Runs the probe `script` (in build/bench) `runs` times in each of
 * `modes`, in turns of one run each: `node <script> <mode> <iterations> <OTLP URL>`,
 * each run in a process of its own whose stdout this process reads line
 * by line, as the stack reads a function's, and whose spans it takes over
 * OTLP/HTTP (and drops), as the console or Google would. Resolves to each
 * mode's results, in run order.
 */
export async function probeRuns(
  script: string,
  modes: string[],
  iterations: number,
  runs: number,
): Promise<Record<string, ProbeResult[]>> {
  const probe = path.join(ROOT, 'build', 'bench', script);
  const receiver = await otlpSink();
  const once = (mode: string) =>
    new Promise<ProbeResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [probe, mode, String(iterations), receiver.url],
        {stdio: ['ignore', 'pipe', 'pipe']},
      );
      const lines = lineSplitter(line => JSON.parse(line) as unknown);
      child.stdout.on('data', lines.push);
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', code =>
        code === 0
          ? resolve(JSON.parse(err) as ProbeResult)
          : reject(new Error(`${script} failed: ${err}`)),
      );
    });
  const results: Record<string, ProbeResult[]> = {};
  for (const mode of modes) results[mode] = [];
  try {
    // Each turn starts one mode later, so none is always first or last.
    for (let i = 0; i < runs; i++)
      for (let j = 0; j < modes.length; j++) {
        const mode = modes[(i + j) % modes.length];
        results[mode].push(await once(mode));
      }
  } finally {
    await receiver.close();
  }
  return results;
}

/** What logging and tracing cost one request in one function, in CPU µs. */
export interface TelemetryUs {
  /** With both on, and with both off. */
  on: number;
  off: number;
  /** on − off. */
  added: number;
  /** The spans alone (the probe's `trace`), less off. */
  spans?: number;
  /**
   * The same spans made and exported by the OpenTelemetry SDK's own parts
   * at their defaults, without this project's code (the probe's `sdk`),
   * less off: the SDK's share of `spans`.
   */
  sdkSpans?: number;
}

/**
 * CPU microseconds logging and tracing take per request in one function,
 * measured directly: the probe with them on, off, with the spans alone,
 * and with the same spans made by the SDK's own parts, `runs` runs of each
 * in turns. Each mode's cost over off is the median of its runs'
 * differences from the off run of the same turn.
 */
export async function telemetryCostUs(
  iterations: number,
  runs = 5,
): Promise<TelemetryUs> {
  const results = await probeRuns(
    'telemetry-probe.js',
    ['off', 'on', 'trace', 'sdk'],
    iterations,
    runs,
  );
  const us = (mode: string) => median(results[mode].map(r => r.us));
  const overOff = (mode: string) =>
    round(median(results[mode].map((r, i) => r.us - results.off[i].us)), 1);
  return {
    on: round(us('on'), 1),
    off: round(us('off'), 1),
    added: overOff('on'),
    spans: overOff('trace'),
    sdkSpans: overOff('sdk'),
  };
}

/** A Firestore client setting the benchmark compares. */
export type FirestoreClient = 'grpc' | 'rest' | 'ours';

export interface FirestoreReads {
  cpuMsPerRead: number;
  readsPerSec: number;
}

/**
 * One document read `reads` times, 16 at a time, by each client setting in
 * a process of its own (bench/firestore-probe.ts), `runs` times each,
 * interleaved; the median of each figure per client.
 */
export async function firestoreReads(
  firestoreHost: string,
  projectId: string,
  database: string,
  docPath: string,
  {reads = 2000, runs = 3} = {},
): Promise<Record<FirestoreClient, FirestoreReads>> {
  const probe = path.join(ROOT, 'build', 'bench', 'firestore-probe.js');
  const once = (client: FirestoreClient) =>
    new Promise<FirestoreReads>((resolve, reject) => {
      execFile(
        functionsNode(),
        [probe, client, projectId, database, docPath, String(reads), '16'],
        {env: {PATH: process.env.PATH, FIRESTORE_EMULATOR_HOST: firestoreHost}},
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`firestore probe (${client}): ${stderr}`))
            : resolve(JSON.parse(stdout) as FirestoreReads),
      );
    });
  const clients: FirestoreClient[] = ['grpc', 'rest', 'ours'];
  const samples = Object.fromEntries(
    clients.map(c => [c, [] as FirestoreReads[]]),
  ) as Record<FirestoreClient, FirestoreReads[]>;
  for (let i = 0; i < runs; i++)
    for (const c of clients) samples[c].push(await once(c));
  return Object.fromEntries(
    clients.map(c => [
      c,
      {
        cpuMsPerRead: round(median(samples[c].map(s => s.cpuMsPerRead)), 3),
        readsPerSec: Math.round(median(samples[c].map(s => s.readsPerSec))),
      },
    ]),
  ) as Record<FirestoreClient, FirestoreReads>;
}

/**
 * One load run with wrk, the C load generator: one thread, a fraction of a
 * core, where a load generator in Node takes a large share of the
 * machine's two cores from the targets it measures. What wrk sends is set
 * by a Lua script written for the run (mode 0600, removed after it): the
 * headers carry bearer tokens, which go into that file only, never on
 * wrk's command line. The script's `done()` prints the run's figures as
 * one JSON line, which is read as data.
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';

/** What every request of a run sends: a load scenario's request part. */
export interface WrkRequest {
  method: string;
  path: string;
  body?: Record<string, unknown>;
  /** Users the body's `userId` turns through, one request after another. */
  buyers?: string[];
}

/** Where a run goes: a base URL, and the headers every request carries. */
export interface WrkTarget {
  url: string;
  headers: Record<string, string>;
}

/** What wrk measured in one run, as its script's `done()` printed it. */
export interface WrkFigures {
  requests: number;
  /** How long the run took, in seconds. */
  durationS: number;
  p50Ms: number;
  p99Ms: number;
  /** Connect, read and write errors, timeouts and answers above 399. */
  errors: number;
  /** The same errors by kind, so that a run with errors says which. */
  errorsByKind: Record<WrkErrorKind, number>;
}

/** The kinds of error wrk counts (its `summary.errors`). */
export const WRK_ERROR_KINDS = [
  'connect',
  'read',
  'write',
  'timeout',
  'status',
] as const;
export type WrkErrorKind = (typeof WRK_ERROR_KINDS)[number];

/**
 * `text` as a Lua string literal: every byte but printable ASCII (and `"`
 * and `\`) as a `\ddd` escape, which LuaJIT's Lua 5.1 reads where it does
 * not read JSON's `\u` escapes.
 */
export function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const printable = byte >= 0x20 && byte < 0x7f;
    out +=
      printable && byte !== 0x22 && byte !== 0x5c
        ? String.fromCharCode(byte)
        : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/**
 * The Lua function that prints a run's figures: one JSON line, µs, each
 * kind of error on its own (their sum is the run's errors).
 */
const DONE = `function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,' ..
    '${WRK_ERROR_KINDS.map(kind => `"${kind}":%d`).join(',')}}\\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    ${WRK_ERROR_KINDS.map(kind => `e.${kind}`).join(', ')}))
end
`;

/**
 * The Lua script that makes wrk send `request` with `headers`. With
 * buyers, each request's body carries the next buyer's `userId`, the
 * requests formatted once at start.
 */
export function wrkScript(
  headers: Record<string, string>,
  request: WrkRequest,
): string {
  const all = {
    ...headers,
    ...(request.body !== undefined && {'content-type': 'application/json'}),
  };
  const lines = [`wrk.method = ${luaString(request.method)}`];
  for (const [name, value] of Object.entries(all)) {
    // A line break would end the header and start another request line.
    if (/[\r\n]/.test(name + value))
      throw new Error(`header ${JSON.stringify(name)} holds a line break`);
    lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  }
  if (request.body !== undefined)
    lines.push(`wrk.body = ${luaString(JSON.stringify(request.body))}`);
  if (request.buyers !== undefined && request.buyers.length > 0) {
    const bodies = request.buyers.map(userId =>
      luaString(JSON.stringify({...request.body, userId})),
    );
    // wrk turns the buyer per request, not per connection as autocannon
    // did (a connection has no state of its own in wrk's script): each
    // request is the next buyer's, so the requests in flight at one time
    // are as many buyers' as there are connections, as long as there are
    // more buyers than connections, and no one user's open-order count
    // takes every create.
    lines.push(
      `local bodies = {${bodies.join(', ')}}`,
      'local formatted = {}',
      'local turn = 0',
      'function init(args)',
      '  for i, body in ipairs(bodies) do',
      '    formatted[i] = wrk.format(nil, nil, nil, body)',
      '  end',
      'end',
      'function request()',
      '  turn = turn % #formatted + 1',
      '  return formatted[turn]',
      'end',
    );
  }
  return `${lines.join('\n')}\n${DONE}`;
}

/**
 * wrk's command line for a run with `script`: nothing secret is on it.
 * wrk takes whole seconds: a run of a fraction more is asked for the next
 * whole second and stopped in time (runWrk).
 */
export function wrkArgs(
  script: string,
  url: string,
  connections: number,
  durationS: number,
): string[] {
  return [
    '-t1',
    `-c${connections}`,
    `-d${Math.ceil(durationS)}s`,
    '--timeout',
    '20s',
    '-s',
    script,
    url,
  ];
}

const FIELDS = ['requests', 'durationUs', 'p50Us', 'p99Us', ...WRK_ERROR_KINDS];

/**
 * The figures in wrk's output: the last line that is a JSON object, with
 * every field of the script's `done()` a finite number of at least 0.
 * Throws on anything else.
 */
export function parseWrkOutput(output: string): WrkFigures {
  const line = output
    .split('\n')
    .map(l => l.trim())
    .reverse()
    .find(l => l.startsWith('{'));
  if (line === undefined) throw new Error('wrk printed no figures');
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e: unknown) {
    throw new Error(`wrk's figures are not JSON: ${String(e)}`);
  }
  const fields = parsed as Record<string, unknown>;
  for (const field of FIELDS) {
    const value = fields[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new Error(`wrk's figures have no ${field}`);
  }
  const n = fields as Record<string, number>;
  if (!(n.durationUs > 0)) throw new Error('wrk ran for no time');
  const errorsByKind = Object.fromEntries(
    WRK_ERROR_KINDS.map(kind => [kind, n[kind]]),
  ) as Record<WrkErrorKind, number>;
  return {
    requests: n.requests,
    durationS: n.durationUs / 1e6,
    p50Ms: n.p50Us / 1000,
    p99Ms: n.p99Us / 1000,
    errors: WRK_ERROR_KINDS.reduce((sum, kind) => sum + n[kind], 0),
    errorsByKind,
  };
}

/** `text` with every one of `secrets` in it blanked out. */
function redact(text: string, secrets: string[]): string {
  return secrets
    .filter(s => s.length > 0)
    .reduce((t, s) => t.split(s).join('[redacted]'), text);
}

/**
 * Resolves to what wrk printed on stdout; rejects if it did not end well.
 * With `stopAfterS`, wrk is stopped then: on SIGINT it ends the run as
 * at its time, its figures and `done()` included.
 */
function runWrkProcess(
  args: string[],
  secrets: string[],
  stopAfterS?: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, {stdio: ['ignore', 'pipe', 'pipe']});
    const stop =
      stopAfterS === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGINT'), stopAfterS * 1000);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new Error('wrk is not on PATH: install it (apt-get install wrk)')
          : e,
      ),
    );
    child.once('close', code => {
      clearTimeout(stop);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `wrk exited ${code}: ${redact(`${err}${out}`, secrets).trim()}`,
          ),
        );
    });
  });
}

/**
 * Loads `target.url` + `request.path` with wrk for `durationS`,
 * `connections` at a time, as fast as they are answered.
 */
export async function runWrk(
  target: WrkTarget,
  request: WrkRequest,
  connections: number,
  durationS: number,
): Promise<WrkFigures> {
  if (!(durationS > 0)) throw new Error(`a wrk run of ${durationS} s`);
  const dir = mkdtempSync(path.join(tmpdir(), 'wrk-'));
  const script = path.join(dir, 'load.lua');
  try {
    writeFileSync(script, wrkScript(target.headers, request), {mode: 0o600});
    const output = await runWrkProcess(
      wrkArgs(script, `${target.url}${request.path}`, connections, durationS),
      Object.values(target.headers),
      Number.isInteger(durationS) ? undefined : durationS,
    );
    return parseWrkOutput(output);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

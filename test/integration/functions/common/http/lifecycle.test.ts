/**
 * How a function's process lives and ends (lifecycle.ts), proven on real
 * Functions Framework processes: no domain by default (which also fails if
 * a framework upgrade stops our replacement from applying), FRAMEWORK_DOMAIN=on
 * restores it; an uncaught exception answers every request in flight 500 and
 * ends the process with 1; SIGTERM lets the requests in flight finish and
 * ends it with 0.
 */
import {expect} from 'chai';
import type {ChildProcess} from 'node:child_process';
import * as path from 'node:path';
import {freePort, stopGroup, waitFor} from '../../../../../local/processes';
import {ROOT, spawnFunction} from '../../../../../local/stack';
import {SHUTDOWN_GRACE_MS} from '../../../../../functions/common/http/lifecycle';
import {json, recordingServer} from '../../../../fixtures/http-server';

/** The exit code of `child`, once it exits. */
const exitOf = (child: ChildProcess) =>
  new Promise<number | null>(resolve =>
    child.once('exit', code => resolve(code)),
  );

const SOURCE = path.join(
  ROOT,
  'build',
  'test',
  'fixtures',
  'crashing-function.js',
);

async function start(env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnFunction(
    'crashing',
    port,
    {
      PATH: process.env.PATH ?? '',
      GOOGLE_CLOUD_PROJECT: 'wrapper-test',
      ALLOWED_CALLERS: 'anyone',
      ...env,
    },
    {source: SOURCE},
  );
  let output = '';
  child.stdout?.on('data', d => (output += d));
  child.stderr?.on('data', d => (output += d));
  const lines = () =>
    output
      .split('\n')
      .filter(l => l.startsWith('{'))
      .map(l => JSON.parse(l) as Record<string, unknown>);
  await waitFor(
    'the crashing function',
    async () => (await fetch(`${url}/ok`)).ok,
    20_000,
    child,
  );
  return {
    url,
    child,
    lines,
    /** How many requests to `path` the function's code has begun. */
    began: (path: string) =>
      lines().filter(e => e.message === 'began' && e.path === path).length,
  };
}

describe('lifecycle (a function without the framework’s domain, and how it ends)', function () {
  this.timeout(30_000);
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) await stopGroup(c);
  });

  it('runs requests without a domain, and FRAMEWORK_DOMAIN=on restores the framework’s', async () => {
    const ours = await start();
    const theirs = await start({FRAMEWORK_DOMAIN: 'on'});
    children.push(ours.child, theirs.child);
    expect(await (await fetch(`${ours.url}/domain`)).json()).to.deep.equal({
      domain: false,
    });
    expect(await (await fetch(`${theirs.url}/domain`)).json()).to.deep.equal({
      domain: true,
    });
  });

  it('leaves out the framework’s request context unless LOG_EXECUTION_ID asks for it', async () => {
    const plain = await start();
    const logged = await start({LOG_EXECUTION_ID: 'true'});
    children.push(plain.child, logged.child);
    const context = async (url: string) =>
      (await fetch(`${url}/framework-context`)).json();
    expect(await context(plain.url)).to.deep.equal({context: false});
    expect(await context(logged.url)).to.deep.equal({context: true});
  });

  it('answers a request whose code throws asynchronously 500, and every other in flight, then exits 1', async () => {
    const fn = await start();
    children.push(fn.child);
    const exited = exitOf(fn.child);
    const other = fetch(`${fn.url}/slow?ms=5000`);
    await waitFor(
      'the slow request',
      async () => fn.began('/slow') === 1,
      5000,
    );
    const res = await fetch(`${fn.url}/crash-later`);
    expect(res.status).to.equal(500);
    expect(res.headers.get('content-type')).to.match(
      /^application\/problem\+json/,
    );
    expect(res.headers.get('connection')).to.equal('close');
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).to.include({
      status: 500,
      code: 'internal',
    });
    expect(problem.requestId).to.equal(res.headers.get('x-request-id'));
    expect(JSON.stringify(problem)).not.to.contain('timer');
    // The slow request, which did nothing wrong, is not left hanging.
    expect((await other).status).to.equal(500);
    expect(await exited).to.equal(1);
    const logged = fn
      .lines()
      .find(e => e.message === 'uncaught exception: this instance stops');
    expect(logged).to.include({severity: 'ERROR'});
    expect(logged!.error).to.contain('thrown later, from a timer');
    expect(logged!.inFlight).to.include(problem.requestId);
  });

  it('names the request an exception came from when it alone was in flight', async () => {
    const fn = await start();
    children.push(fn.child);
    const exited = exitOf(fn.child);
    const res = await fetch(`${fn.url}/crash-later`);
    expect(res.status).to.equal(500);
    expect(await exited).to.equal(1);
    const logged = fn
      .lines()
      .find(e => e.message === 'uncaught exception: this instance stops');
    expect(logged).to.include({requestId: res.headers.get('x-request-id')});
  });

  it('ends the process on an exception that belongs to no request, saying so', async () => {
    const fn = await start();
    children.push(fn.child);
    const exited = exitOf(fn.child);
    await fetch(`${fn.url}/crash-detached`).catch(() => undefined);
    expect(await exited).to.equal(1);
    const logged = fn
      .lines()
      .find(e => e.message === 'uncaught exception: this instance stops');
    expect(logged!.error).to.contain('thrown outside any request');
  });

  // The same with the framework's domain: the gentle end is not the fast
  // path's (a tuning line) but the framework patch's (framework.ts).
  (
    [
      ['', {}],
      [', with the framework’s domain too', {FRAMEWORK_DOMAIN: 'on'}],
    ] as const
  ).forEach(([which, env]) =>
    it(`on SIGTERM, finishes the requests in flight, takes no new connection, and exits 0${which}`, async () => {
      const fn = await start(env);
      children.push(fn.child);
      const exited = exitOf(fn.child);
      const slow = fetch(`${fn.url}/slow?ms=1500`);
      await waitFor(
        'the slow request',
        async () => fn.began('/slow') === 1,
        5000,
      );
      process.kill(fn.child.pid!, 'SIGTERM');
      await waitFor(
        'the shutdown to begin',
        async () => fn.lines().some(e => /^SIGTERM/.test(String(e.message))),
        5000,
      );
      const refused = await fetch(`${fn.url}/ok`).then(
        () => 'served',
        () => 'refused',
      );
      expect(refused).to.equal('refused');
      const res = await slow;
      expect(res.status).to.equal(200);
      expect(res.headers.get('connection')).to.equal('close');
      expect(await res.json()).to.deep.equal({slow: true});
      expect(await exited).to.equal(0);
      // Closed what it had to, and wrote its request line before leaving.
      const messages = fn.lines().map(e => e.message);
      expect(messages).to.include('closed at shutdown');
      const urls = fn
        .lines()
        .map(
          e => (e.httpRequest as {requestUrl?: string} | undefined)?.requestUrl,
        );
      expect(urls).to.include('/slow');
    }),
  );

  it('on SIGTERM, exports the spans it still holds before it exits', async () => {
    const receiver = await recordingServer((_req, res) => json(res, 200, {}));
    try {
      // Batches ten minutes apart: only the shutdown can send these.
      const fn = await start({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        // Every request traced, as in the local stack.
        OTEL_TRACES_SAMPLER_ARG: '1',
      });
      children.push(fn.child);
      const exited = exitOf(fn.child);
      expect((await fetch(`${fn.url}/ok`)).status).to.equal(200);
      await new Promise(r => setTimeout(r, 200));
      expect(receiver.requests).to.have.length(0);
      process.kill(fn.child.pid!, 'SIGTERM');
      expect(await exited).to.equal(0);
      const names = receiver.requests.flatMap(r =>
        (
          JSON.parse(r.body) as {
            resourceSpans: {scopeSpans: {spans: {name: string}[]}[]}[];
          }
        ).resourceSpans.flatMap(rs =>
          rs.scopeSpans.flatMap(ss => ss.spans.map(span => span.name)),
        ),
      );
      // The start's checks and the request above, all of them.
      expect(names.filter(n => n === 'GET /ok').length).to.be.at.least(2);
    } finally {
      await receiver.close();
    }
  });

  it('on an uncaught exception, exports the spans it still holds before it exits 1', async () => {
    const receiver = await recordingServer((_req, res) => json(res, 200, {}));
    try {
      const fn = await start({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        // Every request traced, as in the local stack.
        OTEL_TRACES_SAMPLER_ARG: '1',
      });
      children.push(fn.child);
      const exited = exitOf(fn.child);
      expect((await fetch(`${fn.url}/ok`)).status).to.equal(200);
      expect(receiver.requests).to.have.length(0);
      const res = await fetch(`${fn.url}/crash-later`);
      expect(res.status).to.equal(500);
      expect(await exited).to.equal(1);
      const names = receiver.requests.flatMap(r =>
        (
          JSON.parse(r.body) as {
            resourceSpans: {scopeSpans: {spans: {name: string}[]}[]}[];
          }
        ).resourceSpans.flatMap(rs =>
          rs.scopeSpans.flatMap(ss => ss.spans.map(span => span.name)),
        ),
      );
      // The request before, and the one that failed.
      expect(names).to.include.members(['GET /ok', 'GET /crash-later']);
    } finally {
      await receiver.close();
    }
  });

  it('on SIGTERM, answers 503 to what is still running at the grace deadline, then exits 0', async function () {
    this.timeout(SHUTDOWN_GRACE_MS + 20_000);
    const fn = await start();
    children.push(fn.child);
    const exited = exitOf(fn.child);
    const hanging = fetch(`${fn.url}/hang`);
    await waitFor(
      'the hanging request',
      async () => fn.began('/hang') === 1,
      5000,
    );
    process.kill(fn.child.pid!, 'SIGTERM');
    const res = await hanging;
    expect(res.status).to.equal(503);
    expect(((await res.json()) as {code: string}).code).to.equal(
      'shutting-down',
    );
    expect(res.headers.get('retry-after')).to.equal('1');
    expect(await exited).to.equal(0);
  });
});

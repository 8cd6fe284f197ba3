/**
 * The framework's per-request domain replaced, proven on real Functions
 * Framework processes: no domain by default (which also fails if a framework
 * upgrade stops our replacement from applying), FRAMEWORK_DOMAIN=on restores
 * it, and an exception thrown asynchronously from a request still ends that
 * request with a 500 problem document without taking the process down, while
 * one that belongs to no request still reaches the framework's own handler.
 */
import {expect} from 'chai';
import type {ChildProcess} from 'node:child_process';
import * as path from 'node:path';
import {freePort, stopGroup, waitFor} from '../../../local/processes';
import {ROOT, spawnFunction} from '../../../local/stack';

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
      USER_URL: 'http://127.0.0.1:9',
      ORDER_URL: 'http://127.0.0.1:9',
      AUTH_MODE: 'off',
      ...env,
    },
    {source: SOURCE},
  );
  let output = '';
  child.stdout?.on('data', d => (output += d));
  child.stderr?.on('data', d => (output += d));
  await waitFor(
    'the crashing function',
    async () => (await fetch(`${url}/ok`)).ok,
    20_000,
    child,
  );
  return {url, child, output: () => output};
}

describe('request wrapper (the framework without its per-request domain)', function () {
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

  it('ends a request whose code throws asynchronously with a 500 problem document, and keeps serving', async () => {
    const fn = await start();
    children.push(fn.child);
    const res = await fetch(`${fn.url}/crash-later`);
    expect(res.status).to.equal(500);
    expect(res.headers.get('content-type')).to.match(
      /^application\/problem\+json/,
    );
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).to.include({
      status: 500,
      detail: 'An unexpected error occurred.',
    });
    expect(problem.requestId).to.equal(res.headers.get('x-request-id'));
    expect(JSON.stringify(problem)).not.to.contain('timer');
    // Still up, and said what happened.
    expect((await fetch(`${fn.url}/ok`)).status).to.equal(200);
    expect(fn.child.exitCode).to.equal(null);
    const logged = fn
      .output()
      .split('\n')
      .filter(l => l.startsWith('{'))
      .map(l => JSON.parse(l))
      .find(e => e.message === 'uncaught exception in a request');
    expect(logged).to.include({
      severity: 'ERROR',
      requestId: problem.requestId,
    });
    expect(logged.error).to.contain('thrown later, from a timer');
  });

  it('leaves an exception that belongs to no request to the framework, which ends the process loudly', async () => {
    const fn = await start();
    children.push(fn.child);
    const exited = new Promise<number | null>(resolve =>
      fn.child.once('exit', code => resolve(code)),
    );
    await fetch(`${fn.url}/crash-detached`).catch(() => undefined);
    expect(await exited).to.not.equal(0);
    expect(fn.output())
      .to.contain('Uncaught exception')
      .and.to.contain('thrown outside any request');
  });
});

/**
 * A function's memory limit as Cloud Run holds it: a stack of one function
 * (test/fixtures/hog) with topology.json's `memory` at 256Mi, pushed past
 * it. Within the limit it answers; past it the instance is ended with
 * Cloud Run's line in its log and in the console, and a new instance,
 * holding nothing, answers in its place.
 */
import {expect} from 'chai';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {startStack, type Stack} from '../../local/stack';
import {waitFor} from '../../local/processes';
import {loadTopology} from '../../scripts/topology';

const HOG = {
  entryPoint: 'hog',
  source: 'test/fixtures/hog',
  serviceAccount: 'hog-fn',
  ingress: 'all',
  allowUnauthenticated: true,
  vpcEgress: false,
  calls: [],
  env: {LOG_LEVEL: 'info'},
  localPort: 8089,
  resources: {
    maxInstances: 1,
    concurrency: 10,
    cpu: '1',
    memory: '256Mi',
    timeout: '10s',
  },
};

describe('a function over its memory limit', function () {
  this.timeout(90_000);
  let dir: string;
  let stack: Stack;
  let url: string;
  const hold = (mib: number) =>
    fetch(`${url}/hold/${mib}`, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: '{}',
    });
  const logOf = () => readFileSync(path.join(dir, 'logs', 'hog.log'), 'utf8');

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'memory-limit-'));
    const file = path.join(dir, 'topology.json');
    writeFileSync(file, JSON.stringify({functions: {hog: HOG}}));
    stack = await startStack({
      mode: 'cloud',
      topology: loadTopology(file),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      seed: false,
      consolePort: 0,
      logs: path.join(dir, 'logs'),
    });
    url = stack.info.urls.hog;
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  it('answers within it', async () => {
    const res = await hold(16);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({heldMiB: 16});
    expect(logOf()).not.to.include('Memory limit');
  });

  it("is ended past it with Cloud Run's line, and replaced by a new instance", async () => {
    const first = (await (await fetch(`${url}/`)).json()) as {pid: number};
    // The answer, if any, is the front end's: the instance is gone.
    const res = await hold(400).catch(() => undefined);
    expect(res?.status).not.to.equal(200);
    await waitFor(
      'the memory line',
      async () => /Memory limit/.test(logOf()),
      10_000,
    );
    const line = logOf()
      .split('\n')
      .filter(l => l.includes('Memory limit'))
      .map(l => JSON.parse(l) as {severity: string; message: string})[0];
    expect(line.severity).to.equal('ERROR');
    expect(line.message).to.match(
      /^Memory limit of 256 MiB exceeded with \d+ MiB used\. Consider increasing the memory limit, see https:\/\/cloud\.google\.com\/run\/docs\/configuring\/memory-limits$/,
    );
    const used = Number(/with (\d+) MiB/.exec(line.message)![1]);
    expect(used).to.be.greaterThan(256);

    let now: {pid: number; heldMiB: number} | undefined;
    await waitFor(
      'a new instance',
      async () => {
        const r = await fetch(`${url}/`);
        if (r.status !== 200) return false;
        now = (await r.json()) as {pid: number; heldMiB: number};
        return true;
      },
      20_000,
    );
    expect(now!.pid).not.to.equal(first.pid);
    expect(now!.heldMiB).to.equal(0);

    const events = await fetch(`${stack.info.console}/api/events`);
    const reader = events.body!.getReader();
    let text = '';
    while (!/event: notice\ndata: .*Memory limit of 256 MiB/.test(text))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
  });
});

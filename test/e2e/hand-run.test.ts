/**
 * One function run by hand inside the running stack, as a person would:
 * the stack started without the gateway (npm start -- --except gateway)
 * keeps its place, `npm run env -- gateway` prints its environment, and
 * `functions-framework --target=gateway` started from a shell with it
 * serves the mesh route through the gateway's front end, its calls going
 * through the connector and user's front end as usual.
 */
import {expect} from 'chai';
import type {ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {spawnGroup, stopGroup, waitFor} from '../../local/processes';
import {ROOT, startStack, type Stack} from '../../local/stack';
import {uniqueProjectId} from '../fixtures/emulator';
import {call} from '../fixtures/call';
import {runProcess} from '../fixtures/run-process';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function logEntries(logs: string, name: string): any[] {
  return readFileSync(path.join(logs, `${name}.log`), 'utf8')
    .split('\n')
    .filter(l => l.startsWith('{'))
    .map(l => JSON.parse(l));
}

describe('a function run by hand inside the stack (npm start -- --except gateway)', function () {
  this.timeout(90_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'hand-run-'));
  const logs = path.join(dir, 'logs');
  const stackFile = path.join(dir, 'stack.json');
  let stack: Stack;
  let gateway: ChildProcess | undefined;

  before(async () => {
    stack = await startStack({
      mode: 'cloud',
      handRun: ['gateway'],
      projectId: uniqueProjectId('hand'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      logs,
      stackFile,
      consolePort: 0,
    });
  });
  after(async () => {
    if (gateway !== undefined) await stopGroup(gateway);
    await stack?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  /** The command the stack's notice gives for running the gateway by hand. */
  const HAND_RUN =
    'eval "$(npm run -s env -- gateway)" && npx functions-framework --target=gateway | npm run -s logs -- gateway';

  const mesh = () =>
    call(`${stack.info.urls.gateway}/api/user-orders/user-001`, {
      headers: {
        Authorization: `Bearer ${stack.identity.toolkit.idTokenFor('alice@example.com')}`,
      },
    });

  it('keeps the gateway its place, and says it waits for it', async () => {
    expect(stack.info.handRun).to.deep.equal(['gateway']);
    expect(Object.keys(stack.pids)).to.have.members(['user', 'order']);
    // The stack saw them start as Cloud Run does, by a connection: their
    // logs hold no request nobody made.
    for (const name of ['user', 'order'])
      expect(
        logEntries(logs, name).filter(e => e.httpRequest !== undefined),
      ).to.deep.equal([]);
    // Its front end is there, with nothing behind it yet: Cloud Run's 503.
    expect((await mesh()).status).to.equal(503);
    expect(logEntries(logs, 'gateway').map(e => e.message)).to.include(
      `waiting for the gateway function on ${stack.info.listens.gateway}: run it yourself: ${HAND_RUN}`,
    );
  });

  it('prints the environment it needs as export lines, from the running stack', async () => {
    const printed = await runProcess(
      process.execPath,
      [path.join(ROOT, 'build', 'local', 'env.js'), 'gateway'],
      {PATH: process.env.PATH ?? '', STACK_FILE: stackFile},
    );
    expect(printed.status, printed.output).to.equal(0);
    const lines = printed.stdout.trim().split('\n');
    for (const line of lines) expect(line).to.match(/^export [A-Z_]+='/);
    expect(printed.stdout)
      .to.contain(`export PORT='${new URL(stack.info.listens.gateway).port}'`)
      .and.contain(`export EGRESS_PROXY='http://${stack.info.connector}'`)
      .and.contain(`export GCE_METADATA_HOST='${stack.info.identity.gateway}'`)
      .and.contain(`export USER_URL='${stack.info.urls.user}'`);
  });

  it('serves the mesh route through a gateway started by hand with functions-framework, calls crossing the connector and the front ends', async () => {
    // As the stack's notice says it, pasted into a shell.
    gateway = spawnGroup('bash', ['-c', HAND_RUN], {
      cwd: ROOT,
      env: {PATH: process.env.PATH ?? '', STACK_FILE: stackFile},
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let terminal = '';
    gateway.stdout!.on('data', chunk => (terminal += chunk));
    await waitFor(
      'the gateway run by hand',
      async () => (await mesh()).status === 200,
      30_000,
      gateway,
    );
    const reply = await mesh();
    expect(reply.body.mesh_path).to.deep.equal(['gateway', 'user', 'order']);
    // User saw the gateway's account, through its front end (platform mode
    // accepts only what a front end checked and stripped).
    const userLines = logEntries(logs, 'user').filter(
      e => e.httpRequest?.requestUrl === '/users/user-001/orders',
    );
    expect(userLines.map(e => e.caller)).to.include(
      stack.info.accounts.gateway,
    );
    // Its terminal: a readable line per request, not the JSON.
    await waitFor(
      'a readable line of the mesh request',
      async () =>
        /gateway\s+GET \/api\/user-orders\/user-001\s+200/.test(terminal),
      10_000,
    );
    expect(terminal).not.to.match(/^\{/m);
    // The console: the gateway's request, with the hops after it, in one trace.
    const traceId = /trace ([\da-f]{8})/.exec(terminal)?.[1];
    await waitFor(
      'the console to show the gateway run by hand',
      async () => {
        const {traces} = (await (
          await fetch(`${stack.info.console}/api/traces?limit=50`)
        ).json()) as {traces: {traceId: string; spanCount: number}[]};
        const trace = traces.find(t => t.traceId.startsWith(traceId ?? '-'));
        if (trace === undefined) return false;
        const {spans} = (await (
          await fetch(`${stack.info.console}/api/traces/${trace.traceId}`)
        ).json()) as {spans: {service: string}[]};
        return ['gateway', 'user', 'order'].every(name =>
          spans.some(s => s.service === name),
        );
      },
      10_000,
    );
    await waitFor(
      'the stack to see it',
      async () =>
        logEntries(logs, 'gateway').some(
          e =>
            e.message ===
            `the gateway function listens on ${stack.info.listens.gateway}`,
        ),
      5000,
    );
  });
});

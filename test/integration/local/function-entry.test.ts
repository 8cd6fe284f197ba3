/**
 * The local stack's entry point (local/function-entry.cts), as the stack
 * starts it (FUNCTION_SOURCE, read by the Functions Framework as --source):
 * the switches a deployed function refuses become collaborators here. A
 * gateway with CALL_TOKENS=off and EGRESS_PROXY calls user without a token,
 * through the proxy; TOPOLOGY_FILE names the functions it exports; and it
 * does not run on Cloud Run.
 */
import {expect} from 'chai';
import type {ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {LOCAL_ENTRY} from '../../../local/functions';
import {freePort, stopGroup, waitFor} from '../../../local/processes';
import {ROOT, spawnFunction} from '../../../local/stack';
import {json, recordingServer} from '../../fixtures/http-server';
import {runProcess} from '../../fixtures/run-process';

const PATH = process.env.PATH ?? '';

/** A gateway's environment, calling user and order at names no resolver knows. */
const GATEWAY = {
  PATH,
  FUNCTION_SOURCE: LOCAL_ENTRY,
  GOOGLE_CLOUD_PROJECT: 'p',
  ALLOWED_CALLERS: 'anyone',
  CALLS: 'user,order',
  USER_URL: 'http://user.invalid:8081',
  ORDER_URL: 'http://order.invalid:8082',
  END_USER_AUTH: 'off',
  LOG_LEVEL: 'silent',
};

describe('local/function-entry (the local stack’s entry point)', function () {
  this.timeout(30_000);
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child !== undefined) await stopGroup(child);
    child = undefined;
  });

  it('sends a gateway’s calls through EGRESS_PROXY, without a token under CALL_TOKENS=off', async () => {
    // Stands in for the connector and user behind it: answers as user would.
    const proxy = await recordingServer((_req, res) =>
      json(res, 200, {service: 'user', users: []}),
    );
    try {
      const port = await freePort();
      child = spawnFunction('gateway', port, {
        ...GATEWAY,
        CALL_TOKENS: 'off',
        EGRESS_PROXY: proxy.url,
      });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        'the gateway',
        async () => (await fetch(`${url}/`)).ok,
        20_000,
        child,
      );
      const res = await fetch(`${url}/api/users`);
      expect(res.status).to.equal(200);
      expect(proxy.requests).to.have.length(1);
      const [call] = proxy.requests;
      // Sent as to user itself; the connector routes it by its Host.
      expect(call.headers.host).to.equal('user.invalid:8081');
      expect(call.url).to.match(/^\/users/);
      expect(call.headers).not.to.have.property('authorization');
      expect(call.headers).not.to.have.property('x-serverless-authorization');
    } finally {
      await proxy.close();
    }
  });

  it('registers the functions of the topology TOPOLOGY_FILE names', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'local-entry-'));
    try {
      const copy = JSON.parse(
        readFileSync(path.join(ROOT, 'topology.json'), 'utf8'),
      );
      copy.functions.inventory = {
        ...copy.functions.order,
        entryPoint: 'inventory',
        source: 'test/fixtures/inventory',
        serviceAccount: 'inventory-fn',
        localPort: 8083,
      };
      delete copy.functions.inventory.firestore;
      const file = path.join(dir, 'topology.json');
      writeFileSync(file, JSON.stringify(copy));
      // The names the entry registers with the framework (functions.http).
      const registered = async (env: Record<string, string>) => {
        const result = await runProcess(
          process.execPath,
          [
            '-e',
            `require(${JSON.stringify(LOCAL_ENTRY)});
            const registry = require('node:module').createRequire(
              require.resolve('@google-cloud/functions-framework'),
            )('./function_registry');
            const names = ['gateway', 'user', 'order', 'inventory'];
            process.stdout.write(JSON.stringify(
              names.filter(n => registry.getRegisteredFunction(n) !== undefined),
            ));`,
          ],
          {PATH, ...env},
        );
        expect(result.status, result.output).to.equal(0);
        return JSON.parse(result.stdout) as string[];
      };
      expect(await registered({TOPOLOGY_FILE: file})).to.include('inventory');
      expect(await registered({})).to.deep.equal(['gateway', 'user', 'order']);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('refuses to run on Cloud Run, naming K_SERVICE', async () => {
    const result = await runProcess(
      process.execPath,
      ['-e', `require(${JSON.stringify(LOCAL_ENTRY)}).gateway`],
      {...GATEWAY, K_SERVICE: 'gateway'},
    );
    expect(result.status, result.output).to.equal(1);
    expect(result.output).to.match(/^ {2}K_SERVICE: /m);
    expect(result.output).not.to.match(/^\s+at /m);
  });
});

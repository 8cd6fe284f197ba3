/**
 * test.sh against a hostile deployment: a stand-in that plays the gateway,
 * Identity Toolkit and the Firestore emulator, and answers with ids and
 * uids crafted to run code in the script's node, to move its deletes to
 * other documents, and to smuggle headers. test.sh must treat all of it as
 * data: nothing runs, nothing outside its own documents is deleted, and no
 * token ever appears in a process's arguments (a curl shim records them).
 */
import {expect} from 'chai';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {json, recordingServer} from '../../fixtures/http-server';
import {runProcess} from '../../fixtures/run-process';

describe('test.sh against a hostile gateway', function () {
  this.timeout(60_000);
  let dir: string;
  let marker: string;
  let argvLog: string;
  let bin: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'test-sh-'));
    marker = path.join(dir, 'pwned');
    argvLog = path.join(dir, 'curl-argv.log');
    bin = path.join(dir, 'bin');
    // A curl that writes down its arguments, as `ps` would show them, then
    // runs the real one.
    const realCurl = '/usr/bin/curl';
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'curl'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec ${realCurl} "$@"\n`,
    );
    chmodSync(path.join(bin, 'curl'), 0o755);
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  /**
   * Runs test.sh against `url`, which plays every service it talks to, with
   * the curl shim first on its PATH.
   */
  const testSh = (url: string, env: Record<string, string>) =>
    runProcess('bash', [path.join(ROOT, 'test.sh'), url], {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: process.env.HOME,
      STACK_MODE: 'verify',
      PROJECT_ID: 'hostile',
      FIRESTORE_EMULATOR_HOST: new URL(url).host,
      USER_URL: url,
      ORDER_URL: url,
      ...env,
    });

  /** JavaScript that, if evaluated anywhere, leaves the marker file. */
  const payload = () =>
    `x') || require('fs').writeFileSync('${marker}', '') || ('`;

  it('evaluates nothing it is sent and deletes nothing but ids', async () => {
    const hostile = await recordingServer((req, res) => {
      if (req.method === 'POST' && req.url === '/api/orders')
        return json(res, 201, {
          data: {order: {id: payload(), total: 67.95, status: 'pending'}},
        });
      if (req.url.startsWith('/api/orders'))
        return json(res, 200, {data: {orders: [{id: `${payload()}`}]}});
      json(res, 200, {service: 'gateway', status: 'ok', data: {}});
    });
    const result = await testSh(hostile.url, {END_USER_AUTH: 'off'});
    await hostile.close();
    expect(existsSync(marker), 'the payload ran').to.equal(false);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(
      /FAIL {2}the created order is named by an id/,
    );
    const deletes = hostile.requests.filter(r => r.method === 'DELETE');
    expect(deletes).to.deep.equal([]);
  });

  it('refuses a uid that is not an id and keeps every token off the command line', async () => {
    const adminToken = 'ya29.admin-access-token-never-in-argv';
    const idToken = (n: number) =>
      `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1${n}In0.sig-never-in-argv-${n}`;
    let signUps = 0;
    const hostile = await recordingServer((req, res) => {
      if (req.url.includes('accounts:signUp')) {
        signUps += 1;
        // The first user's uid walks out of its document; the second is fine.
        return json(res, 200, {
          localId: signUps === 1 ? '../../users/victim' : 'admin-uid-2',
          idToken: idToken(signUps),
        });
      }
      if (req.url.includes('accounts:signInWithPassword'))
        return json(res, 200, {localId: 'admin-uid-2', idToken: idToken(9)});
      if (req.url.includes('accounts:'))
        return json(res, 200, {kind: 'identitytoolkit#DeleteAccountResponse'});
      json(res, 200, {service: 'gateway', status: 'ok', data: {}});
    });
    const result = await testSh(hostile.url, {
      END_USER_AUTH: 'on',
      IDENTITY_TOOLKIT_URL: hostile.url,
      API_KEY: 'key',
      ADMIN_ACCESS_TOKEN: adminToken,
    });
    await hostile.close();
    expect(result.status).to.equal(1);
    expect(result.stdout).to.match(/FAIL {2}two end users signed up/);
    for (const r of hostile.requests) {
      expect(r.url, `${r.method} ${r.url}`).not.to.include('..');
      expect(r.url).not.to.include('victim');
    }
    // The admin token and the end users' tokens reached the servers in
    // headers, and never a process's arguments.
    const sent = hostile.requests.map(r => r.headers.authorization ?? '');
    expect(sent).to.include(`Bearer ${adminToken}`);
    expect(sent).to.include(`Bearer ${idToken(9)}`);
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).to.include('accounts:signUp');
    expect(argv).not.to.include(adminToken);
    expect(argv).not.to.match(/never-in-argv/);
    expect(argv).not.to.match(/Bearer/);
  });
});

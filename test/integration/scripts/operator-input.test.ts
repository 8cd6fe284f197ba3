/**
 * What the operator gives deploy.sh, cleanup.sh and test.sh (the project,
 * the region, the connector, every URL), checked before anything runs: a
 * value that is not what it names stops the script, naming the variable,
 * before any gcloud call, any request and any file written; https URLs, and
 * http ones only to this machine, pass.
 */
import {expect} from 'chai';
import {readdirSync, readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {fakeCloud, identityPlatform} from '../../fixtures/fake-cloud';
import {json, recordingServer} from '../../fixtures/http-server';
import {runProcess} from '../../fixtures/run-process';

/** Runs a script against a fresh fake cloud; what it did, and the files it left. */
const runOnFreshCloud = (
  script: string,
  args: string[],
  env: Record<string, string>,
) => {
  const cloud = fakeCloud();
  const before = readdirSync(cloud.dir).sort();
  const result = cloud.run(script, args, env);
  const after = readdirSync(cloud.dir).sort();
  cloud.remove();
  return {...result, filesBefore: before, filesAfter: after};
};

const SCRIPTS: [string, string[]][] = [
  ['deploy.sh', []],
  ['deploy.sh', ['--dry-run']],
  ['cleanup.sh', ['--yes']],
  ['cleanup.sh', ['--dry-run']],
  ['test.sh', []],
];

describe('operator input to deploy.sh, cleanup.sh and test.sh', function () {
  this.timeout(120_000);

  const hostileProjects = [
    'demo" || true || "x',
    'Demo-project',
    'demo',
    '1project',
    'project-',
    'a-project-id-of-thirty-one-char',
    'example.com:legacy-project',
    '--impersonate-service-account=x',
    'demo project',
    'demo\nproject',
  ];
  for (const [script, args] of SCRIPTS)
    it(`${[script, ...args].join(' ')} refuses a project id that is not one, before any gcloud call or file`, () => {
      for (const project of hostileProjects) {
        const result = runOnFreshCloud(script, args, {PROJECT_ID: project});
        expect(result.status, `${project}: ${result.output}`).to.equal(2);
        expect(result.output, project).to.match(/PROJECT_ID must be/);
        expect(result.commands, project).to.deep.equal([]);
        expect(result.filesAfter, project).to.deep.equal(result.filesBefore);
        expect(result.output).not.to.contain('resource.name');
      }
    });

  it('takes a project id at either end of the rule: 6 and 30 characters', () => {
    for (const project of ['abcdef', 'a-project-id-of-thirty-chars-x']) {
      const result = runOnFreshCloud('deploy.sh', ['--dry-run'], {
        PROJECT_ID: project,
      });
      expect(result.status, result.output).to.equal(0);
      expect(result.output).to.contain(
        `projects/${project}/databases/user-data`,
      );
    }
  });

  const badPlaces: [string, string][] = [
    ['REGION', 'us-central1 --impersonate-service-account=x'],
    ['REGION', 'us-central1"'],
    ['REGION', 'US-CENTRAL1'],
    ['CONNECTOR', '--impersonate-service-account=x'],
    ['CONNECTOR', 'S2S'],
  ];
  for (const [script, args] of SCRIPTS)
    it(`${[script, ...args].join(' ')} refuses a region or connector that is not one, before any gcloud call`, () => {
      for (const [name, value] of badPlaces) {
        // test.sh reads no connector.
        if (script === 'test.sh' && name === 'CONNECTOR') continue;
        const result = runOnFreshCloud(script, args, {[name]: value});
        expect(result.status, `${name}=${value}: ${result.output}`).to.equal(2);
        expect(result.output).to.contain(`${name} must be`);
        expect(result.commands).to.deep.equal([]);
      }
    });

  const notHttps = [
    'http://idp.example',
    'http://localhost.evil.example',
    'http://127.0.0.1.evil.example',
    'https://user:password@idp.example',
    'https://idp.example/?redirect=x',
    'ftp://idp.example',
    'idp.example',
  ];
  for (const name of ['IDENTITY_TOOLKIT_URL', 'TELEMETRY_TRACES_URL'])
    it(`deploy.sh refuses ${name} when it is not https, before any gcloud call`, () => {
      for (const url of notHttps) {
        const result = runOnFreshCloud('deploy.sh', [], {[name]: url});
        expect(result.status, `${url}: ${result.output}`).to.equal(2);
        expect(result.output).to.contain(`${name} must be`);
        expect(result.commands).to.deep.equal([]);
      }
    });

  it("deploy.sh takes an http Identity Platform on this machine, and sends it the operator's token", async () => {
    const platform = await identityPlatform();
    const loopback = platform.url.replace('127.0.0.1', 'localhost');
    const result = runOnFreshCloud('deploy.sh', [], {
      IDENTITY_TOOLKIT_URL: loopback,
    });
    const requests = platform.requests;
    await platform.close();
    expect(result.status, result.output).to.equal(0);
    expect(requests.map(r => r.headers.authorization)).to.include(
      'Bearer fake-access-token',
    );
  });

  describe('test.sh, whose URLs receive the admin access token and the end users’ tokens', () => {
    /**
     * test.sh against a stand-in that plays every service, run without
     * blocking this process (the stand-in answers from it), with the fake
     * gcloud first on its PATH.
     */
    const run = async (env: Record<string, string>, gatewayUrl?: string) => {
      const gateway = await recordingServer((_req, res) => json(res, 200, {}));
      const cloud = fakeCloud();
      const result = await runProcess(
        'bash',
        [path.join(ROOT, 'test.sh'), gatewayUrl ?? gateway.url],
        {
          ...process.env,
          PATH: `${path.join(cloud.dir, 'bin')}:${process.env.PATH}`,
          FAKE_GCLOUD_DIR: cloud.dir,
          PROJECT_ID: 'demo-project',
          API_KEY: 'key',
          ADMIN_ACCESS_TOKEN: 'admin-token',
          IDENTITY_TOOLKIT_URL: gateway.url,
          USER_URL: gateway.url,
          ORDER_URL: gateway.url,
          ...env,
        },
      );
      const commands = readFileSync(path.join(cloud.dir, 'log.jsonl'), 'utf8');
      cloud.remove();
      await gateway.close();
      return {...result, commands, requests: gateway.requests};
    };

    it('refuses a project id that is not one before any request', async () => {
      const result = await run({PROJECT_ID: 'demo" || true || "x'});
      expect(result.status, result.output).to.equal(2);
      expect(result.output).to.match(/PROJECT_ID must be/);
      expect(result.requests).to.deep.equal([]);
    });

    const refused: [string, Record<string, string>, string?][] = [
      ['IDENTITY_TOOLKIT_URL', {IDENTITY_TOOLKIT_URL: 'http://idp.example'}],
      ['USER_URL', {USER_URL: 'http://user.example'}],
      ['ORDER_URL', {ORDER_URL: 'http://order.example:8080'}],
      ['GATEWAY_URL', {}, 'http://gateway.example'],
      [
        'FIRESTORE_EMULATOR_HOST',
        {FIRESTORE_EMULATOR_HOST: 'evil.example:8080'},
      ],
    ];
    refused.forEach(([name, env, gatewayUrl]) =>
      it(`refuses ${name} off this machine over http, before any request`, async () => {
        const result = await run(env, gatewayUrl);
        expect(result.status, result.output).to.equal(2);
        expect(result.output).to.contain(`${name} must be`);
        expect(result.requests).to.deep.equal([]);
        expect(result.commands).to.equal('');
        expect(result.output).not.to.contain('Testing ');
      }),
    );

    it('takes http on localhost, 127.0.0.1 and [::1]', async () => {
      const result = await run({END_USER_AUTH: 'off'});
      // The stand-in answers every check wrongly: the run fails its checks,
      // but it runs them.
      expect(result.output).to.contain('Testing http://127.0.0.1:');
      expect(result.requests).not.to.deep.equal([]);
      const local = await run({
        END_USER_AUTH: 'off',
        FIRESTORE_EMULATOR_HOST: '[::1]:1',
        USER_URL: 'http://[::1]:1',
        ORDER_URL: 'http://localhost:1/',
      });
      expect(local.output).to.contain('Testing ');
      expect(local.output).not.to.contain(' must be ');
    });
  });
});

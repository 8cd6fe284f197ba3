/**
 * How deploy.sh deploys each function, against a fake gcloud that records
 * what it does: ingress, identity, network, resources and env, end-user
 * checks on, or off with --no-end-user-checks alone, each internal
 * function's audience, the invoker edges.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {
  fakeCloud,
  freshDeployment,
  type FreshDeployment,
} from '../../fixtures/fake-cloud';
import {
  envOf,
  SA,
  startingWith,
  text,
  URL_OF,
} from '../../fixtures/gcloud-commands';

/** What deploy.sh says when end-user checks are off. */
const WARNING =
  'WARNING: --no-end-user-checks (END_USER_AUTH=off): the functions check no end user.';

describe('deploy.sh and cleanup.sh (against a fake gcloud)', function () {
  this.timeout(120_000);
  let platform: FreshDeployment['platform'];
  let fresh: FreshDeployment['fresh'];
  let stop: FreshDeployment['stop'];
  after(() => stop?.());

  before(async () => {
    ({platform, fresh, stop} = await freshDeployment());
  });

  it('passes every function the issuer and audience of end users, checks on', () => {
    for (const fn of ['gateway', 'user', 'order']) {
      const deploy = fresh.commands.find(
        startingWith(`functions deploy ${fn}`),
      )!;
      expect(envOf(deploy), fn).to.include({
        END_USER_AUTH: 'on',
        END_USER_ISSUER: 'https://securetoken.google.com/demo-project',
        END_USER_AUDIENCE: 'demo-project',
      });
    }
  });

  it('with --no-end-user-checks, says at its start and end what it opens, sets up no Identity Platform, and turns the checks off', async () => {
    const open = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
    const before = platform.requests.length;
    const result = open.run('deploy.sh', ['--no-end-user-checks']);
    open.remove();
    expect(result.status, result.output).to.equal(0);
    // Said when the run starts and again at its end.
    expect(result.output.split(WARNING).length - 1, result.output).to.equal(2);
    expect(platform.requests.length).to.equal(before);
    expect(result.commands.map(text).join('\n')).not.to.contain('api-keys');
    for (const fn of ['gateway', 'user', 'order']) {
      const deploy = result.commands.find(
        startingWith(`functions deploy ${fn}`),
      )!;
      expect(envOf(deploy).END_USER_AUTH, fn).to.equal('off');
    }
  });

  it('with --no-end-user-checks, says what it opens before anything runs', () => {
    const cloud = fakeCloud();
    writeFileSync(path.join(cloud.dir, 'no-account'), '');
    const result = cloud.run('deploy.sh', ['--no-end-user-checks']);
    cloud.remove();
    // Stopped at the first check, the missing account: said already.
    expect(result.status).to.equal(1);
    expect(result.output).to.contain(WARNING);
    expect(result.commands.map(text)).to.deep.equal([
      'config get-value account',
    ]);
  });

  it('refuses END_USER_AUTH from the environment, before any gcloud call: only the flag turns the checks off', () => {
    for (const value of ['off', 'no', '0']) {
      const cloud = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
      const before = platform.requests.length;
      const result = cloud.run('deploy.sh', [], {END_USER_AUTH: value});
      cloud.remove();
      expect(result.status, result.output).to.equal(2);
      expect(result.output).to.contain('--no-end-user-checks');
      expect(result.commands).to.deep.equal([]);
      expect(platform.requests.length).to.equal(before);
    }
  });

  it("keeps the checks on when the environment says otherwise to topology.js's env", () => {
    const result = spawnSync(
      'node',
      [
        'scripts/topology.js',
        'env',
        'gateway',
        'demo-project',
        `user=${URL_OF('user')}`,
        `order=${URL_OF('order')}`,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {...process.env, END_USER_AUTH: 'off'},
      },
    );
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout.trim().split(';')).to.include('END_USER_AUTH=on');
  });

  const expected: Record<
    string,
    {flags: string[]; absent: string[]; env: Record<string, string>}
  > = {
    order: {
      flags: [
        '--ingress-settings=internal-only',
        '--no-allow-unauthenticated',
        `--service-account=${SA('order')}`,
        '--max-instances=30',
        '--concurrency=80',
        '--cpu=1',
        '--memory=512Mi',
        '--timeout=30s',
      ],
      absent: [
        '--allow-unauthenticated',
        '--vpc-connector=s2s-connector',
        '--egress-settings=all',
      ],
      env: {
        TOKEN_CHECK: 'platform',
        ALLOWED_CALLERS: `${SA('gateway')},${SA('user')}`,
        GOOGLE_CLOUD_PROJECT: 'demo-project',
      },
    },
    user: {
      flags: [
        '--ingress-settings=internal-only',
        '--no-allow-unauthenticated',
        `--service-account=${SA('user')}`,
        '--vpc-connector=s2s-connector',
        '--egress-settings=all',
        '--max-instances=10',
        '--concurrency=80',
      ],
      absent: ['--allow-unauthenticated'],
      env: {
        TOKEN_CHECK: 'platform',
        ALLOWED_CALLERS: SA('gateway'),
        CALLS: 'order',
        ORDER_URL: URL_OF('order'),
        GOOGLE_CLOUD_PROJECT: 'demo-project',
      },
    },
    gateway: {
      flags: [
        '--ingress-settings=all',
        '--allow-unauthenticated',
        `--service-account=${SA('gateway')}`,
        '--vpc-connector=s2s-connector',
        '--egress-settings=all',
        '--max-instances=10',
        '--timeout=30s',
      ],
      absent: ['--no-allow-unauthenticated'],
      env: {
        ALLOWED_CALLERS: 'anyone',
        CALLS: 'user,order',
        USER_URL: URL_OF('user'),
        ORDER_URL: URL_OF('order'),
        GOOGLE_CLOUD_PROJECT: 'demo-project',
      },
    },
  };
  Object.entries(expected).forEach(([fn, want]) =>
    it(`deploys ${fn} with its ingress, identity, network, resources and env`, () => {
      const deploy = fresh.commands.find(
        startingWith(`functions deploy ${fn}`),
      )!;
      expect(deploy).to.include.members([
        '--gen2',
        '--runtime=nodejs24',
        '--trigger-http',
        `--entry-point=${fn}`,
        '--source=.',
        '--region=us-central1',
        '--project=demo-project',
        ...want.flags,
      ]);
      for (const flag of want.absent) expect(deploy).not.to.include(flag);
      expect(envOf(deploy)).to.include(want.env);
      if (fn === 'gateway') {
        expect(envOf(deploy)).not.to.have.property('TOKEN_CHECK');
        expect(envOf(deploy)).not.to.have.property('SELF_URL');
      }
    }),
  );

  it('gives every function, on the first deploy, the deterministic URLs of itself and its callees, and updates nothing afterwards', () => {
    const describe = fresh.commands.findIndex(
      startingWith('projects describe demo-project'),
    );
    expect(describe).to.be.at.least(0);
    for (const fn of ['order', 'user']) {
      const deploy = fresh.commands.findIndex(
        startingWith(`functions deploy ${fn}`),
      );
      expect(describe, fn).to.be.below(deploy);
      expect(envOf(fresh.commands[deploy]).SELF_URL, fn).to.equal(
        'https://' + fn + '-123456789012.us-central1.run.app',
      );
    }
    const gateway = envOf(
      fresh.commands.find(startingWith('functions deploy gateway'))!,
    );
    expect(gateway).to.include({
      USER_URL: 'https://user-123456789012.us-central1.run.app',
      ORDER_URL: 'https://order-123456789012.us-central1.run.app',
    });
    expect(
      fresh.commands.filter(startingWith('run services update')),
    ).to.deep.equal([]);
    expect(fresh.commands.map(text).join('\n')).not.to.contain(
      'update-env-vars',
    );
  });

  it('plans, in a dry run, the deterministic URLs from the project number, and no update after the deploys', () => {
    const result = spawnSync(
      'bash',
      [path.join(ROOT, 'deploy.sh'), '--dry-run'],
      {
        encoding: 'utf8',
        env: {...process.env, PROJECT_ID: 'demo-project'},
      },
    );
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stderr).to.contain(
      'gcloud projects describe demo-project --format=value\\(projectNumber\\)',
    );
    const deploys = result.stdout
      .split('\n')
      .filter(l => l.startsWith('gcloud functions deploy '));
    expect(deploys).to.have.length(3);
    const url = (fn: string) =>
      `https://${fn}-PROJECT_NUMBER.us-central1.run.app`;
    const user = deploys.find(l => l.includes(' user '))!;
    expect(user)
      .to.contain(`SELF_URL=${url('user')}\\;`)
      .and.contain(`ORDER_URL=${url('order')}\\;`);
    expect(deploys.find(l => l.includes(' gateway '))).to.contain(
      `USER_URL=${url('user')}\\;ORDER_URL=${url('order')}\\;`,
    );
    expect(result.stdout).not.to.contain('gcloud run services update');
  });

  it('grants run.invoker on exactly the three allowed edges, each after its callee exists', () => {
    const bindings = fresh.commands
      .map((c, i) => ({c, i}))
      .filter(({c}) =>
        text(c).startsWith('functions add-invoker-policy-binding'),
      );
    const edges = bindings.map(
      ({c}) =>
        `${c.find(a => a.startsWith('--member='))!.replace(/^--member=serviceAccount:|-fn@.*$/g, '')} -> ${c[2]}`,
    );
    expect(edges.sort()).to.deep.equal([
      'gateway -> order',
      'gateway -> user',
      'user -> order',
    ]);
    for (const {c, i} of bindings) {
      const deployed = fresh.commands.findIndex(d =>
        text(d).startsWith(`functions deploy ${c[2]}`),
      );
      expect(deployed).to.be.below(i);
    }
  });
});

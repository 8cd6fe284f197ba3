/**
 * deploy.sh again and cleanup.sh after it, against a fake gcloud that
 * records what they do: an earlier deployment moved off its project-wide
 * grants, a second run that creates nothing, a cleanup that is idempotent;
 * then every recorded command is replayed through the real gcloud, whose
 * offline argument parser must accept it (it may fail only for the missing
 * account).
 */
import {expect} from 'chai';
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {
  fakeCloud,
  freshDeployment,
  type FreshDeployment,
} from '../../fixtures/fake-cloud';
import {
  CREATES,
  envOf,
  isMutation,
  SA,
  startingWith,
  text,
  URL_OF,
} from '../../fixtures/gcloud-commands';

describe('deploy.sh and cleanup.sh (against a fake gcloud)', function () {
  this.timeout(120_000);
  let platform: FreshDeployment['platform'];
  let cloud: FreshDeployment['cloud'];
  let fresh: FreshDeployment['fresh'];
  let stop: FreshDeployment['stop'];
  const recorded: string[][] = [];
  after(() => stop?.());

  before(async () => {
    ({platform, cloud, fresh, stop} = await freshDeployment());
    recorded.push(...fresh.commands);
  });

  it('moves an earlier deployment off its project-wide Firestore grants', () => {
    const earlier = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
    // What deploy.sh granted before each function had a database of its own.
    writeFileSync(
      path.join(earlier.dir, 'state.json'),
      JSON.stringify([
        `roles/datastore.user:serviceAccount:${SA('user')}:none`,
        `roles/datastore.user:serviceAccount:${SA('order')}:none`,
      ]),
    );
    const result = earlier.run('deploy.sh');
    earlier.remove();
    recorded.push(...result.commands);
    expect(result.status, result.output).to.equal(0);
    const removed = result.commands
      .filter(startingWith('projects remove-iam-policy-binding'))
      .map(text);
    expect(removed).to.deep.equal(
      ['user', 'order'].map(
        fn =>
          `projects remove-iam-policy-binding demo-project --member=serviceAccount:${SA(fn)} --role=roles/datastore.user --condition=None`,
      ),
    );
    // Only once the functions run on their own databases: until then the
    // instances serving from (default) need the old grants.
    const texts = result.commands.map(text);
    const lastDeploy = Math.max(
      ...texts.flatMap((t, i) => (t.startsWith('functions deploy') ? [i] : [])),
    );
    expect(
      texts.findIndex(t => t.startsWith('projects remove-iam-policy-binding')),
    ).to.be.greaterThan(lastDeploy);
  });

  it('creates nothing on a second run, passes the known URLs, and succeeds', () => {
    const calls = platform.requests.length;
    const second = cloud.run('deploy.sh');
    // Identity Platform is there: its sign-in setting is only set again.
    expect(
      platform.requests.slice(calls).map(r => `${r.method} ${r.url}`),
    ).to.deep.equal([
      'GET /admin/v2/projects/demo-project/config',
      'PATCH /admin/v2/projects/demo-project/config?updateMask=signIn.email',
    ]);
    recorded.push(...second.commands);
    expect(second.status, second.output).to.equal(0);
    expect(
      second.commands.filter(c => CREATES.test(text(c))).map(text),
    ).to.deep.equal([]);
    const order = second.commands.find(startingWith('functions deploy order'))!;
    expect(envOf(order).SELF_URL).to.equal(URL_OF('order'));
  });

  it('cleans up everything deploy.sh created, callers first, and keeps the data unless told', () => {
    const clean = cloud.run('cleanup.sh');
    recorded.push(...clean.commands);
    expect(clean.status, clean.output).to.equal(0);
    const mutations = clean.commands.filter(isMutation).map(c =>
      c
        .filter(w => !w.startsWith('-'))
        .slice(0, 4)
        .join(' '),
    );
    expect(mutations).to.deep.equal([
      'functions delete gateway',
      'functions delete user',
      'functions delete order',
      'projects remove-iam-policy-binding demo-project',
      'projects remove-iam-policy-binding demo-project',
      'projects remove-iam-policy-binding demo-project',
      'projects remove-iam-policy-binding demo-project',
      'projects remove-iam-policy-binding demo-project',
      `iam service-accounts delete ${SA('order')}`,
      `iam service-accounts delete ${SA('user')}`,
      `iam service-accounts delete ${SA('gateway')}`,
      'services api-keys delete projects/demo-project/locations/global/keys/fake-key',
      'compute networks vpc-access connectors',
    ]);
    const removed = clean.commands.filter(
      startingWith('projects remove-iam-policy-binding'),
    );
    // Each function's right to write traces.
    expect(
      removed
        .filter(c => c.includes('--role=roles/telemetry.tracesWriter'))
        .map(c => c.find(a => a.startsWith('--member=')))
        .sort(),
    ).to.deep.equal(
      ['gateway', 'order', 'user'].map(
        fn => `--member=serviceAccount:${SA(fn)}`,
      ),
    );
    // Each function's own conditional Firestore grant, and no other.
    for (const c of removed.filter(c =>
      c.includes('--role=roles/datastore.user'),
    ))
      expect(c.find(a => a.startsWith('--condition='))).to.match(
        /^--condition=expression=resource\.name == "projects\/demo-project\/databases\/(user|order)-data"/,
      );
    expect(clean.output).to.contain(
      'Keeping the databases user-data order-data and their documents (--yes deletes them)',
    );
  });

  it('cleans up idempotently, and deletes the databases only when told', () => {
    const again = cloud.run('cleanup.sh', ['--yes']);
    recorded.push(...again.commands);
    expect(again.status, again.output).to.equal(0);
    expect(again.commands.filter(isMutation).map(text)).to.deep.equal([
      'firestore databases delete --database=user-data --project=demo-project --quiet',
      'firestore databases delete --database=order-data --project=demo-project --quiet',
    ]);
    const third = cloud.run('cleanup.sh', ['--yes']);
    expect(third.commands.filter(isMutation)).to.deep.equal([]);
  });

  it('replays every recorded command through the real gcloud without a parse error', async function () {
    // A gcloud start per distinct command, four at a time: minutes on a
    // busy two-core machine.
    this.timeout(300_000);
    const which = spawnSync('sh', ['-c', 'command -v gcloud'], {
      encoding: 'utf8',
    });
    if (which.status !== 0) {
      console.log('      (gcloud is not installed: replay skipped)');
      this.skip();
    }
    const gcloud = which.stdout.trim();
    const config = mkdtempSync(path.join(tmpdir(), 'gcloud-config-'));
    const unique = [
      ...new Map(recorded.map(c => [JSON.stringify(c), c])).values(),
    ];
    const replay = (argv: string[]) =>
      new Promise<{argv: string[]; stderr: string}>(resolve => {
        const child = spawn(gcloud, argv, {
          env: {
            ...process.env,
            CLOUDSDK_CONFIG: config,
            CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
          },
        });
        let stderr = '';
        child.stderr.on('data', d => (stderr += d));
        child.stdout.resume();
        child.on('close', () => resolve({argv, stderr}));
      });
    const results: {argv: string[]; stderr: string}[] = [];
    for (let i = 0; i < unique.length; i += 4)
      results.push(...(await Promise.all(unique.slice(i, i + 4).map(replay))));
    rmSync(config, {recursive: true, force: true});
    // Reading gcloud's own configuration needs no account: it answers.
    const local = (argv: string[]) => argv[0] === 'config';
    const bad = results.filter(
      r =>
        (!local(r.argv) &&
          !/You do not currently have an active account selected/.test(
            r.stderr,
          )) ||
        /unrecognized arguments|Invalid choice|must be specified|argument --/.test(
          r.stderr,
        ),
    );
    expect(
      bad.map(r => `gcloud ${text(r.argv)}\n${r.stderr.split('\n')[0]}`),
    ).to.deep.equal([]);
    expect(unique.length).to.be.at.least(30);
  });
});

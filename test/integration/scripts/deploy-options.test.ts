/**
 * How deploy.sh and cleanup.sh are run, against a fake gcloud that records
 * what they do: without an active account, with --dry-run, with the project
 * and region from elsewhere, with --help or an unknown argument.
 */
import {expect} from 'chai';
import {writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {
  fakeCloud,
  freshDeployment,
  type FreshDeployment,
} from '../../fixtures/fake-cloud';
import {isMutation, startingWith} from '../../fixtures/gcloud-commands';

describe('deploy.sh and cleanup.sh (against a fake gcloud)', function () {
  this.timeout(120_000);
  let platform: FreshDeployment['platform'];
  let cloud: FreshDeployment['cloud'];
  let fresh: FreshDeployment['fresh'];
  let stop: FreshDeployment['stop'];
  after(() => stop?.());

  before(async () => {
    ({platform, cloud, fresh, stop} = await freshDeployment());
  });

  it('says when gcloud has no active account: a dry run warns and goes on, a real one stops before any change', () => {
    for (const script of ['deploy.sh', 'cleanup.sh']) {
      const cloud = fakeCloud();
      writeFileSync(path.join(cloud.dir, 'no-account'), '');
      const dry = cloud.run(script, ['--dry-run']);
      expect(dry.status, dry.output).to.equal(0);
      expect(dry.output).to.contain(
        "WARNING: gcloud has no active account: a real run would stop here (run 'gcloud auth login' first).",
      );
      const real = cloud.run(
        script,
        ['--yes'].filter(() => script === 'cleanup.sh'),
      );
      cloud.remove();
      expect(real.status).to.equal(1);
      expect(real.output).to.contain(
        "gcloud has no active account: run 'gcloud auth login' first.",
      );
      expect(real.commands.map(c => c.join(' '))).to.deep.equal([
        'config get-value account',
      ]);
    }
  });

  it('runs a dry run without a project on a placeholder, saying so once; a real run stops before any change', () => {
    for (const script of ['deploy.sh', 'cleanup.sh']) {
      const cloud = fakeCloud();
      writeFileSync(path.join(cloud.dir, 'no-project'), '');
      const dry = cloud.run(script, ['--dry-run'], {PROJECT_ID: ''});
      const real = cloud.run(
        script,
        ['--yes'].filter(() => script === 'cleanup.sh'),
        {PROJECT_ID: ''},
      );
      cloud.remove();
      expect(dry.status, dry.output).to.equal(0);
      const projects = dry.output.match(/--project=\S+/g) ?? [];
      expect(projects).not.to.deep.equal([]);
      expect(new Set(projects)).to.deep.equal(
        new Set(['--project=your-project-id']),
      );
      expect(
        dry.output.split('\n').filter(l => /no project/i.test(l)),
      ).to.have.length(1);
      expect(dry.commands.map(c => c.join(' '))).to.deep.equal([
        'config get-value project',
        'config get-value account',
      ]);
      expect(real.status).to.equal(2);
      expect(real.output).not.to.contain('your-project-id');
      expect(real.commands.map(c => c.join(' '))).to.deep.equal([
        'config get-value project',
      ]);
    }
  });

  it('prints, with --dry-run, the commands a fresh deploy runs, in order, and runs none', () => {
    const dry = fakeCloud();
    const result = dry.run('deploy.sh', ['--dry-run']);
    dry.remove();
    expect(result.status, result.output).to.equal(0);
    // Only whether gcloud has an active account, which it reads.
    expect(result.commands.map(c => c.join(' '))).to.deep.equal([
      'config get-value account',
    ]);
    expect(result.output)
      .to.contain('Dry run: nothing was deployed.')
      .and.not.contain('Deployed.');
    const printed = result.output
      .split('\n')
      .filter(l => l.startsWith('gcloud '))
      .map(l =>
        l
          .split(' ')
          .filter(w => !w.startsWith('-'))
          .slice(1, 4)
          .join(' '),
      );
    const ran = fresh.commands.filter(isMutation).map(c =>
      c
        .filter(w => !w.startsWith('-'))
        .slice(0, 3)
        .join(' '),
    );
    expect(printed).to.deep.equal(ran);
    // Identity Platform's calls too, with a placeholder for the token, which
    // goes to curl on its standard input, never in its arguments.
    const curls = result.output
      .split('\n')
      .filter(l => l.startsWith('curl_bearer '));
    expect(curls).to.have.length(2);
    expect(curls[0]).to.match(/-X POST .*identityPlatform:initializeAuth$/);
    expect(curls[1]).to.match(/-X PATCH .*config\\\?updateMask=signIn\.email$/);
    for (const c of curls) {
      expect(c).to.match(/^curl_bearer ACCESS_TOKEN /);
      expect(c).not.to.contain('Authorization');
    }
  });

  it('takes the project from gcloud config and the region from REGION', () => {
    const other = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
    const result = other.run('deploy.sh', [], {
      PROJECT_ID: '',
      REGION: 'europe-west1',
    });
    other.remove();
    expect(result.status, result.output).to.equal(0);
    const deploy = result.commands.find(
      startingWith('functions deploy gateway'),
    )!;
    expect(deploy).to.include.members([
      '--project=fake-project',
      '--region=europe-west1',
    ]);
  });

  it('explains itself with --help and refuses unknown arguments', () => {
    const help = cloud.run('deploy.sh', ['--help']);
    expect(help.status).to.equal(0);
    expect(help.output)
      .to.match(/PROJECT_ID/)
      .and.match(/REGION/)
      .and.match(/--dry-run/)
      .and.match(/--no-end-user-checks +deploy with every end-user check off/);
    expect(help.commands).to.deep.equal([]);
    expect(cloud.run('deploy.sh', ['--force']).status).to.equal(2);
  });
});

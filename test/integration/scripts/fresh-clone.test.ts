/**
 * deploy.sh, cleanup.sh and test.sh on a fresh clone, before `npm ci`:
 * each says in one line what to run, instead of a stack trace from the
 * topology's reader, and runs nothing.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {fakeCloud} from '../../fixtures/fake-cloud';

describe('the scripts before npm ci', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fresh-clone-'));
    for (const file of [
      'deploy.sh',
      'cleanup.sh',
      'test.sh',
      'scripts',
      'topology.json',
      '.nvmrc',
    ])
      cpSync(path.join(ROOT, file), path.join(dir, file), {recursive: true});
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  for (const [script, args] of [
    ['deploy.sh', ['--dry-run']],
    ['deploy.sh', []],
    ['cleanup.sh', ['--dry-run']],
    ['test.sh', []],
  ] as const)
    it(`${[script, ...args].join(' ')} names the command that installs the packages, and runs nothing`, () => {
      const cloud = fakeCloud();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${path.join(cloud.dir, 'bin')}:${process.env.PATH}`,
        FAKE_GCLOUD_DIR: cloud.dir,
        PROJECT_ID: 'demo-project',
      };
      delete env.NODE_PATH;
      const run = spawnSync('bash', [path.join(dir, script), ...args], {
        encoding: 'utf8',
        env,
      });
      const output = run.stdout + run.stderr;
      const gcloudCalls = readFileSync(
        path.join(cloud.dir, 'log.jsonl'),
        'utf8',
      );
      cloud.remove();
      expect(run.status, output).to.equal(2);
      expect(output).to.contain('npm ci');
      expect(output.trim().split('\n'), output).to.have.length(1);
      expect(gcloudCalls).to.equal('');
    });
});

/**
 * The shell scripts: shellcheck finds nothing in them, and test.sh fails,
 * naming each failed check, against a gateway that answers wrongly.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {json, recordingServer} from '../../fixtures/http-server';
import {runProcess} from '../../fixtures/run-process';

describe('the shell scripts', () => {
  it('pass shellcheck', function () {
    const which = spawnSync('sh', ['-c', 'command -v shellcheck']);
    if (which.status !== 0) {
      if (process.env.CI)
        throw new Error(
          'shellcheck is missing: .ci/run installs it (apt-get install shellcheck)',
        );
      console.log(
        '      (shellcheck is not installed: skipped; apt-get install shellcheck)',
      );
      this.skip();
    }
    const result = spawnSync(
      'shellcheck',
      [
        '-x',
        'deploy.sh',
        'test.sh',
        'cleanup.sh',
        'scripts/common.sh',
        'scripts/test-checks.sh',
        'scripts/test-routes.sh',
        'scripts/test-end-users.sh',
        'scripts/test-cleanup.sh',
        'scripts/deploy-firestore.sh',
        'scripts/deploy-identity.sh',
        'scripts/deploy-functions.sh',
        '.ci/run',
      ],
      {cwd: ROOT, encoding: 'utf8'},
    );
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.status).to.equal(0);
  });

  it('test.sh fails, naming each failed check, against a gateway that answers wrongly', async () => {
    const wrong = await recordingServer((_req, res) => json(res, 200, {}));
    // An internal function deployed with --ingress-settings=all: its own 403.
    const open = await recordingServer((_req, res) => json(res, 403, {}));
    const result = await runProcess(
      'bash',
      [path.join(ROOT, 'test.sh'), wrong.url],
      {
        ...process.env,
        USER_URL: open.url,
        ORDER_URL: wrong.url,
        IDENTITY_TOOLKIT_URL: wrong.url,
        API_KEY: 'key',
        ADMIN_ACCESS_TOKEN: 'token',
      },
    );
    await wrong.close();
    await open.close();
    expect(result.status).to.equal(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).to.include(
      'FAIL  user refuses a call from outside: 404, by ingress: got 403',
    );
    expect(lines.filter(l => l.startsWith('FAIL'))).to.have.length.at.least(8);
    expect(lines[lines.length - 1]).to.match(/^\d+ passed, \d+ failed$/);
  });
});

/**
 * test.sh, the deployment smoke test, run against the stack in both modes,
 * and what it created gone afterwards from the database that keeps it.
 */
import {expect} from 'chai';
import * as path from 'node:path';
import {emulatorFirestore} from '../../local/firestore-emulator';
import {ROOT, type Stack} from '../../local/stack';
import {loadTopology} from '../../scripts/topology';
import {runProcess} from '../fixtures/run-process';
import {MODES, sharedStack} from '../fixtures/stack';

for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end: test.sh`, function () {
    this.timeout(60_000);
    const started = sharedStack(mode);
    let stack: Stack;
    before(() => ({stack} = started()));

    it('passes test.sh, the deployment smoke test, run against this stack', async () => {
      const result = await runProcess(
        'bash',
        [path.join(ROOT, 'test.sh'), stack.info.urls.gateway],
        {
          ...process.env,
          USER_URL: stack.info.urls.user,
          ORDER_URL: stack.info.urls.order,
          FIRESTORE_EMULATOR_HOST: stack.info.firestore,
          PROJECT_ID: stack.info.projectId,
          STACK_MODE: mode,
          IDENTITY_TOOLKIT_URL: stack.info.endUsers.identityToolkit,
          API_KEY: stack.info.endUsers.apiKey,
          ADMIN_ACCESS_TOKEN: stack.info.endUsers.adminToken,
        },
      );
      expect(result.status, result.output).to.equal(0);
      expect(result.output).to.match(/^23 passed, 0 failed$/m);
      expect(result.output).to.contain(
        mode === 'cloud'
          ? 'PASS  user refuses a call from outside: 404, by ingress'
          : "PASS  user refuses a call from outside: 401, by the function's own token check",
      );
      expect(result.output).to.match(/cleaned up orders\/\w+/);
      expect(result.output).to.match(
        /cleaned up end user \w{28}\n[\s\S]*cleaned up end user \w{28}/,
      );
      expect(result.output).not.to.match(/could not delete/);
      // Gone from the database of the function that keeps each collection.
      const cleaned = [...result.output.matchAll(/cleaned up (\w+)\/(\w+)/g)];
      expect(cleaned.map(m => m[1])).to.include.members(['orders', 'users']);
      for (const [, collection, id] of cleaned) {
        const owner = loadTopology().declared.find(f =>
          f.firestore?.collections.includes(collection),
        )!;
        const db = emulatorFirestore(
          stack.info.projectId,
          stack.info.firestore,
          owner.firestore!.database,
        );
        expect(
          (await db.collection(collection).doc(id).get()).exists,
          `${collection}/${id}`,
        ).to.equal(false);
        await db.terminate();
      }
    });
  });

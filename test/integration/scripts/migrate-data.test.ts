/**
 * Moving the data of an earlier deployment from (default) into each
 * function's database against the emulator: from deploy.sh on a fake
 * gcloud, and a copy that stopped half-way resumed.
 */
import {expect} from 'chai';
import {writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {emulatorFirestore} from '../../../local/firestore-emulator';
import {loadSeed} from '../../../local/seed';
import {migrate} from '../../../scripts/migrate-data';
import {loadTopology} from '../../../scripts/topology';
import {uniqueProjectId} from '../../fixtures/emulator';
import {fakeCloud} from '../../fixtures/fake-cloud';

describe('moving the data of an earlier deployment, from (default) into each function’s database (against the emulator)', function () {
  this.timeout(120_000);
  const projectId = uniqueProjectId('migrate');
  // Read when used: the emulator's fixture sets it after this file loads.
  const host = () => process.env.FIRESTORE_EMULATOR_HOST!;
  const topology = loadTopology();
  const db = (database: string) =>
    emulatorFirestore(projectId, host(), database);
  const ids = async (database: string, collection: string) =>
    (await db(database).collection(collection).listDocuments())
      .map(d => d.id)
      .sort();

  before(async () => {
    // As an earlier deployment left it: everything in (default).
    const old = db('(default)');
    await loadSeed({users: old, orders: old});
    await old
      .collection('orderIdempotencyKeys')
      .doc('k1')
      .set({
        orderId: 'order-001',
        expireAt: new Date(Date.now() + 86_400_000),
      });
  });

  it('copies each collection into the database of the function that keeps it, once, from deploy.sh', async () => {
    const earlier = fakeCloud();
    writeFileSync(
      path.join(earlier.dir, 'state.json'),
      JSON.stringify(['database:(default)']),
    );
    const env = {
      PROJECT_ID: projectId,
      FIRESTORE_EMULATOR_HOST: host(),
    };
    const first = earlier.run('deploy.sh', ['--no-end-user-checks'], env);
    expect(first.status, first.output).to.equal(0);
    expect(first.output).to.contain(
      'user-data: users 3 copied, 0 already there; userEmails 3 copied, 0 already there',
    );
    expect(first.output).to.contain(
      'order-data: orders 4 copied, 0 already there; orderIdempotencyKeys 1 copied, 0 already there',
    );
    // Before the functions are deployed on their databases.
    const texts = first.output.split('\n');
    expect(
      texts.findIndex(l => l.includes('user-data: users 3 copied')),
    ).to.be.lessThan(texts.findIndex(l => l.includes('Deploying order')));
    expect(await ids('user-data', 'users')).to.deep.equal([
      'user-001',
      'user-002',
      'user-003',
    ]);
    expect(await ids('order-data', 'orders')).to.have.length(4);
    expect(await ids('order-data', 'orderIdempotencyKeys')).to.deep.equal([
      'k1',
    ]);
    // Each database holds its own function's collections only.
    expect(await ids('user-data', 'orders')).to.deep.equal([]);
    expect(await ids('order-data', 'users')).to.deep.equal([]);
    // (default) keeps its data, and the record of what was copied.
    expect(await ids('(default)', 'users')).to.have.length(3);

    // A second deploy copies nothing, even what changed or was added since.
    await db('user-data')
      .collection('users')
      .doc('user-001')
      .update({name: 'Alice J.'});
    await db('(default)')
      .collection('users')
      .doc('user-009')
      .set({name: 'Late'});
    const second = earlier.run('deploy.sh', ['--no-end-user-checks'], env);
    earlier.remove();
    expect(second.status, second.output).to.equal(0);
    expect(second.output).to.contain(
      'user-data: copied from (default) before; nothing to do',
    );
    expect(await ids('user-data', 'users')).not.to.include('user-009');
    expect(
      (await db('user-data').collection('users').doc('user-001').get()).get(
        'name',
      ),
    ).to.equal('Alice J.');
  });

  it('resumes a copy that stopped half-way, leaving what is already there as it is', async () => {
    const other = uniqueProjectId('migrate');
    const old = emulatorFirestore(other, host(), '(default)');
    await loadSeed({users: old, orders: old});
    // One user copied (and changed since) before the run stopped.
    await emulatorFirestore(other, host(), 'user-data')
      .collection('users')
      .doc('user-002')
      .set({name: 'Bob, changed'});
    const lines: string[] = [];
    await migrate({
      projectId: other,
      token: 'owner',
      topology,
      say: l => lines.push(l),
      // Two at a time: the three users take two pages.
      pageSize: 2,
    });
    expect(lines[0]).to.equal(
      'user-data: users 2 copied, 1 already there; userEmails 3 copied, 0 already there',
    );
    const bob = await emulatorFirestore(other, host(), 'user-data')
      .collection('users')
      .doc('user-002')
      .get();
    expect(bob.get('name')).to.equal('Bob, changed');
  });
});

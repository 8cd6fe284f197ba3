/**
 * Each function owns its data: its configuration, derived from its topology
 * entry as deploy.sh and the stack derive it, names its own database and no
 * other, and a store built from it sees only what is in that database (the
 * emulator keeps named databases apart, as Firestore does). On Google Cloud
 * IAM enforces the same boundary (deploy.sh); locally it is configuration.
 */
import {expect} from 'chai';
import {
  databaseOf,
  parseConfig,
} from '../../../../../functions/common/platform/config';
import {createFirestore} from '../../../../../functions/common/storage/firestore';
import {FirestoreOrderStore} from '../../../../../functions/order/store';
import {FirestoreUserStore} from '../../../../../functions/user/store';
import {loadSeed} from '../../../../../local/seed';
import {functionEnv, loadTopology} from '../../../../../scripts/topology';
import {uniqueProjectId} from '../../../../fixtures/emulator';

describe('each function’s own database', () => {
  const topology = loadTopology();
  const projectId = uniqueProjectId('own');
  const urls = Object.fromEntries(
    topology.declared.map(f => [f.name, `http://${f.name}.test`]),
  );
  const envOf = (name: string) =>
    functionEnv(topology, name, {projectId, urls});
  const page = {limit: 10};

  it('is the only database a function’s configuration names', () => {
    expect(databaseOf(parseConfig('user', envOf('user')))).to.equal(
      'user-data',
    );
    expect(databaseOf(parseConfig('order', envOf('order')))).to.equal(
      'order-data',
    );
    // Not in order's environment at all, nor any other function's database.
    expect(Object.values(envOf('order')).join(' ')).not.to.contain('user-data');
    expect(Object.values(envOf('user')).join(' ')).not.to.contain('order-data');
    // The gateway keeps no data: it is given no database, and asking fails.
    const gateway = parseConfig('gateway', envOf('gateway'));
    expect(gateway.firestoreDatabase).to.equal(undefined);
    expect(() => databaseOf(gateway)).to.throw(
      /FIRESTORE_DATABASE: is required/,
    );
  });

  it('holds that function’s data only: a store built from order’s configuration sees no users', async () => {
    const users = createFirestore(
      projectId,
      databaseOf(parseConfig('user', envOf('user'))),
    );
    const orders = createFirestore(
      projectId,
      databaseOf(parseConfig('order', envOf('order'))),
    );
    try {
      await loadSeed({users, orders});
      expect(
        (await new FirestoreUserStore(users).list(page)).items,
      ).to.have.length(3);
      expect(
        (await new FirestoreUserStore(orders).list(page)).items,
      ).to.deep.equal([]);
      expect(
        (await new FirestoreOrderStore(orders).list({}, page)).items,
      ).to.have.length(4);
      expect(
        (await new FirestoreOrderStore(users).list({}, page)).items,
      ).to.deep.equal([]);
      // Nor is anything of theirs in the project's (default) database.
      const fallback = createFirestore(projectId, '(default)');
      expect(
        (await new FirestoreUserStore(fallback).list(page)).items,
      ).to.deep.equal([]);
      await fallback.terminate();
    } finally {
      await Promise.all([users.terminate(), orders.terminate()]);
    }
  });
});

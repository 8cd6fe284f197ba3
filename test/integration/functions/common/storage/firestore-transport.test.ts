/**
 * The client a store is built over (openStoreClient), against the
 * emulator: the client as it ships, one, over gRPC, unless an entry point
 * chose another way (client-opening.ts), which is given a client opener
 * for the store's database.
 */
import type {Firestore} from '@google-cloud/firestore';
import {expect} from 'chai';
import {
  createFirestore,
  openStoreClient,
} from '../../../../../functions/common/storage/firestore';
import {
  chosenClientOpening,
  useClientOpening,
} from '../../../../../functions/common/storage/client-opening';
import {afterRequests} from '../../../../../functions/common/http/lifecycle';
import {uniqueProjectId} from '../../../../fixtures/emulator';
import {overRest} from '../../../../fixtures/firestore-transport';

describe('openStoreClient', () => {
  let before: ReturnType<typeof chosenClientOpening>;
  beforeEach(() => (before = chosenClientOpening()));
  afterEach(() => useClientOpening(before));

  it('without a chosen way, gives one client over gRPC, for the store’s database, and no other once no request is in flight', async () => {
    useClientOpening(undefined);
    const clients: Firestore[] = [];
    openStoreClient(uniqueProjectId('transport'), 'user-data', db =>
      clients.push(db),
    );
    expect(clients.map(overRest)).to.deep.equal([false]);
    const [db] = clients;
    expect(db.databaseId).to.equal('user-data');
    expect((await db.doc('users/u').get()).exists).to.equal(false);
    await new Promise<void>(resolve => afterRequests(resolve));
    await new Promise(r => setTimeout(r, 200));
    expect(clients).to.have.length(1);
    await db.terminate();
  });

  it('with a chosen way, gives it an opener of the store’s database over either transport, and what it opens is used', async () => {
    const projectId = uniqueProjectId('transport');
    const opened: Firestore[] = [];
    useClientOpening((open, use) => {
      opened.push(open('rest'), open('grpc'));
      use(opened[0]);
    });
    const clients: Firestore[] = [];
    openStoreClient(projectId, 'order-data', db => clients.push(db));
    expect(opened.map(overRest)).to.deep.equal([true, false]);
    expect(clients).to.deep.equal([opened[0]]);
    // Both read the store's database: what was written there, as `o`.
    const writer = createFirestore(projectId, 'order-data');
    await writer.doc('orders/o').set({userId: 'u'});
    for (const db of opened) {
      expect(db.databaseId).to.equal('order-data');
      expect((await db.doc('orders/o').get()).data()).to.deep.equal({
        userId: 'u',
      });
    }
    await Promise.all([...opened, writer].map(db => db.terminate()));
  });
});

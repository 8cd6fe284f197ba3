/**
 * A function's Firestore client over REST first, then gRPC (the tuning line
 * of tuning/firestore-rest-first.ts), against the emulator: REST for the
 * first requests, gRPC once no request is in flight, and the REST client
 * closed when nothing uses it any more.
 */
import type {Firestore} from '@google-cloud/firestore';
import {expect} from 'chai';
import {EventEmitter} from 'node:events';
import type {ServerResponse} from 'node:http';
import {
  installFirestoreRestFirst,
  restThenGrpc,
} from '../../../../../functions/common/tuning/firestore-rest-first';
import {
  createFirestore,
  openStoreClient,
} from '../../../../../functions/common/storage/firestore';
import {
  chosenClientOpening,
  useClientOpening,
} from '../../../../../functions/common/storage/client-opening';
import {serveRequest} from '../../../../../functions/common/http/lifecycle';
import {waitFor} from '../../../../../local/processes';
import {uniqueProjectId} from '../../../../fixtures/emulator';
import {overRest} from '../../../../fixtures/firestore-transport';

/** An answer in progress, as the wrapper counts it until it closes. */
function requestInFlight(): EventEmitter {
  const res = Object.assign(new EventEmitter(), {
    getHeader: () => undefined,
    setHeader: () => undefined,
  });
  serveRequest(() => undefined)({}, res as unknown as ServerResponse);
  return res;
}

/** Resolves when `db.terminate()` is called. */
function terminated(db: Firestore): Promise<void> {
  return new Promise<void>(resolve => {
    const terminate = db.terminate.bind(db);
    db.terminate = () => {
      resolve();
      return terminate();
    };
  });
}

describe('tuning/firestore-rest-first', () => {
  it('restThenGrpc serves over REST at once, over gRPC once no request is in flight, and closes the REST client', async () => {
    const projectId = uniqueProjectId('transport');
    const clients: Firestore[] = [];
    const res = requestInFlight();
    restThenGrpc(
      transport => createFirestore(projectId, 'user-data', {transport}),
      db => clients.push(db),
    );
    expect(clients).to.have.length(1);
    const [rest] = clients;
    expect(overRest(rest)).to.equal(true);
    expect((await rest.doc('users/u').get()).exists).to.equal(false);
    const closed = terminated(rest);
    // Nothing moves while the request is in flight.
    await new Promise(r => setTimeout(r, 200));
    expect(clients).to.have.length(1);

    res.emit('close');
    await waitFor('the gRPC client', async () => clients.length === 2, 10_000);
    const grpc = clients[1];
    expect(overRest(grpc)).to.equal(false);
    expect((await grpc.doc('users/u').get()).exists).to.equal(false);
    // No request in flight: the REST client is closed.
    await closed;
    await grpc.terminate();
  });

  describe('installFirestoreRestFirst', () => {
    let before: ReturnType<typeof chosenClientOpening>;
    beforeEach(() => (before = chosenClientOpening()));
    afterEach(() => useClientOpening(before));

    it("makes a store's client REST first, then gRPC, each for the store's database", async () => {
      useClientOpening(undefined);
      installFirestoreRestFirst();
      const clients: Firestore[] = [];
      const res = requestInFlight();
      openStoreClient(uniqueProjectId('transport'), 'order-data', db =>
        clients.push(db),
      );
      expect(clients.map(overRest)).to.deep.equal([true]);
      const closed = terminated(clients[0]);
      res.emit('close');
      await waitFor(
        'the gRPC client',
        async () => clients.length === 2,
        10_000,
      );
      expect(clients.map(overRest)).to.deep.equal([true, false]);
      expect(clients.map(db => db.databaseId)).to.deep.equal([
        'order-data',
        'order-data',
      ]);
      await closed;
      await clients[1].terminate();
    });
  });
});

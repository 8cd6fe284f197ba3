/**
 * A function's Firestore client (restThenGrpc), against the emulator: REST
 * for the first requests, gRPC once no request is in flight, and the REST
 * client closed when nothing uses it any more.
 */
import type {Firestore} from '@google-cloud/firestore';
import {expect} from 'chai';
import {EventEmitter} from 'node:events';
import type {ServerResponse} from 'node:http';
import {restThenGrpc} from '../../../../../functions/common/storage/firestore';
import {wrapHttpFunction} from '../../../../../functions/common/http/lifecycle';
import {waitFor} from '../../../../../local/processes';
import {uniqueProjectId} from '../../../../fixtures/emulator';

/** Whether the client was opened over REST (its settings are private). */
const overRest = (db: Firestore) =>
  (db as unknown as {_settings: {preferRest?: boolean}})._settings
    .preferRest === true;

/** An answer in progress, as the wrapper counts it until it closes. */
function requestInFlight(): EventEmitter {
  const res = Object.assign(new EventEmitter(), {
    getHeader: () => undefined,
    setHeader: () => undefined,
  });
  wrapHttpFunction(() => undefined)({}, res as unknown as ServerResponse);
  return res;
}

describe('restThenGrpc', () => {
  it('serves over REST at once, over gRPC once no request is in flight, and closes the REST client', async () => {
    const clients: Firestore[] = [];
    const res = requestInFlight();
    restThenGrpc(uniqueProjectId('transport'), 'user-data', db =>
      clients.push(db),
    );
    expect(clients).to.have.length(1);
    const [rest] = clients;
    expect(overRest(rest)).to.equal(true);
    expect((await rest.doc('users/u').get()).exists).to.equal(false);
    const closed = new Promise<void>(resolve => {
      const terminate = rest.terminate.bind(rest);
      rest.terminate = () => {
        resolve();
        return terminate();
      };
    });
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
});

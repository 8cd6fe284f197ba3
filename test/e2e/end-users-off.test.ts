/**
 * The original demo's open API, through the whole stack with
 * END_USER_AUTH=off: every route answered without a token.
 */
import {expect} from 'chai';
import {startStack, type Stack} from '../../local/stack';
import {call} from '../fixtures/call';
import {uniqueProjectId} from '../fixtures/emulator';
import {ids, userIds} from '../fixtures/end-users';

describe('end users off (END_USER_AUTH=off): the original demo’s open API', function () {
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      mode: 'cloud',
      projectId: uniqueProjectId('open'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      endUserAuth: 'off',
    });
  });
  after(() => stack?.stop());

  it('answers every route of the original demo without a token, as it does', async () => {
    const gw = (path: string, init?: RequestInit) =>
      call(`${stack.info.urls.gateway}${path}`, init);
    expect(stack.info.endUsers.auth).to.equal('off');
    expect((await gw('/')).status).to.equal(200);
    expect(ids((await gw('/api/users')).body.data.users)).to.deep.equal([
      'user-001',
      'user-002',
      'user-003',
    ]);
    expect((await gw('/api/users/user-003')).body.data.user.name).to.equal(
      'Carol Williams',
    );
    expect(
      userIds((await gw('/api/orders')).body.data.orders).sort(),
    ).to.deep.equal(['user-001', 'user-002', 'user-003']);
    const created = await gw('/api/orders', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        userId: 'user-003',
        items: [{product: 'x', quantity: 1, price: 1}],
      }),
    });
    expect(created.status).to.equal(201);
    const mesh = await gw('/api/user-orders/user-001');
    expect(mesh.body.mesh_path).to.deep.equal(['gateway', 'user', 'order']);
    expect((await gw('/api/user-orders-direct/user-001')).status).to.equal(200);
    const aggregate = await gw('/api/aggregate');
    expect(aggregate.status).to.equal(200);
    expect(aggregate.body).not.to.have.property('errors');
  });
});

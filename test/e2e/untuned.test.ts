/**
 * The project works without its tuning (docs/tuning.md): the stack started
 * from a copy of its entry point with every tuning line removed, a copy
 * that reaches nothing under functions/common/tuning/, answers the README's
 * requests as the tuned one does.
 */
import {expect} from 'chai';
import * as path from 'node:path';
import type {Stack} from '../../local/stack';
import {LOCAL_ENTRY} from '../../local/functions';
import {
  entryWithout,
  tuningDevices,
  type EntryCopy,
} from '../../local/untuned-entry';
import {call} from '../fixtures/call';
import {reachableFrom} from '../fixtures/requires';
import {asEndUser, startTestStack} from '../fixtures/stack';

const BUILD = path.resolve(path.dirname(LOCAL_ENTRY), '..');
const TUNING = path.join(BUILD, 'functions', 'common', 'tuning');

describe('the local stack without the tuning lines (slower, the same answers)', function () {
  this.timeout(60_000);
  let stack: Stack;
  let untuned: EntryCopy;
  const gateway = () => stack.info.urls.gateway;

  before(async () => {
    expect(
      tuningDevices(),
      'the tuning lines of the entry',
    ).to.have.length.greaterThan(0);
    untuned = entryWithout();
    ({stack} = await startTestStack('cloud', 'untuned', {
      env: {FUNCTION_SOURCE: untuned.file},
    }));
  });
  after(async () => {
    await stack?.stop();
    untuned?.remove();
  });

  it('starts from an entry that reaches nothing under tuning/', () => {
    const reached = [...reachableFrom(untuned.file)];
    expect(reached).to.include(path.join(BUILD, 'functions', 'catalog.js'));
    expect(
      reached.filter(f => !path.relative(TUNING, f).startsWith('..')),
    ).to.deep.equal([]);
  });

  it("answers the README's requests", async () => {
    expect((await call(`${gateway()}/`)).status).to.equal(200);

    const bob = 'bob@example.com';
    const mesh = await call(
      `${gateway()}/api/user-orders/user-002`,
      asEndUser(stack, {}, bob),
    );
    expect(mesh.status).to.equal(200);
    expect(mesh.body.mesh_path).to.deep.equal(['gateway', 'user', 'order']);
    expect(mesh.body.data.user.id).to.equal('user-002');
    const orders = mesh.body.data.orders.orders as {userId: string}[];
    expect(orders).to.have.length.greaterThan(0);
    for (const order of orders) expect(order.userId).to.equal('user-002');

    const other = await call(
      `${gateway()}/api/users/user-001`,
      asEndUser(stack, {}, bob),
    );
    expect(other.status).to.equal(404);

    expect((await call(`${gateway()}/api/orders`)).status).to.equal(401);
  });
});

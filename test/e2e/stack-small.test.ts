/**
 * A smaller stack in cloud mode, one order instance serving one request at
 * a time: the user front end refuses order's account (no edge) and logs it,
 * and the gateway answers 503 after its retried 429s while order is full.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import {request as httpRequest} from 'node:http';
import * as path from 'node:path';
import {waitFor} from '../../local/processes';
import {ROOT, type Stack} from '../../local/stack';
import {parseTopology} from '../../scripts/topology';
import {call} from '../fixtures/call';
import {viaConnector} from '../fixtures/connector';
import {
  asEndUser,
  logEntries,
  startTestStack,
  tokenOf,
} from '../fixtures/stack';

describe('the local stack in cloud mode, smaller: one order instance serving one request at a time', function () {
  this.timeout(60_000);
  let stack: Stack;
  let logs: string;

  before(async () => {
    const copy = JSON.parse(
      readFileSync(path.join(ROOT, 'topology.json'), 'utf8'),
    );
    copy.functions.order.resources.maxInstances = 1;
    copy.functions.order.resources.concurrency = 1;
    ({stack, logs} = await startTestStack('cloud', 'no-edge', {
      topology: parseTopology(copy),
    }));
  });
  after(() => stack?.stop());

  it('refuses a caller the topology gives no edge, and its front end logs who it was', async () => {
    // Order calls no one: its account may not call user.
    const {urls, connector, accounts} = stack.info;
    const asOrder = await viaConnector(connector!, `${urls.user}/users`, {
      'X-Serverless-Authorization': `Bearer ${tokenOf(stack, 'order', urls.user)}`,
    });
    expect(asOrder.status).to.equal(403);
    const refused = logEntries(logs, 'front-end').filter(
      e => e.service === 'user' && e.httpRequest.status === 403,
    );
    expect(refused.map(e => e.caller)).to.include(accounts.order);
  });

  it('answers 503 when order is full, after the gateway retried its 429s, and serves again once there is room', async () => {
    // Order's one place taken: a call from inside whose body never comes.
    const [host, port] = stack.info.connector!.split(':');
    const holder = httpRequest({
      host,
      port: Number(port),
      method: 'POST',
      path: `${stack.info.urls.order}/orders`,
      headers: {
        host: new URL(stack.info.urls.order).host,
        'x-serverless-authorization': `Bearer ${tokenOf(stack, 'gateway', stack.info.urls.order)}`,
        'Content-Type': 'application/json',
        'Content-Length': '100',
      },
    });
    holder.on('error', () => undefined);
    holder.flushHeaders();
    const orders = () =>
      call(`${stack.info.urls.gateway}/api/orders`, asEndUser(stack));
    await waitFor(
      'order to be full',
      async () => (await orders()).status === 503,
      10_000,
    );
    const full = await orders();
    expect(full.status).to.equal(503);
    expect(full.body.code).to.equal('service-unavailable');
    expect(full.body.detail).to.include('order');
    const tooMany = logEntries(logs, 'front-end').filter(
      e => e.service === 'order' && e.httpRequest.status === 429,
    );
    // The first try and the client's two retries, for each answer.
    expect(tooMany.length).to.be.at.least(3);
    holder.destroy();
    await waitFor(
      'order to have room',
      async () => (await orders()).status === 200,
      10_000,
    );
  });

  it('still serves the direct route: the gateway → order edge is there', async () => {
    const direct = await call(
      `${stack.info.urls.gateway}/api/user-orders-direct/user-001`,
      asEndUser(stack),
    );
    expect(direct.status).to.equal(200);
    expect(direct.body.data.orders.count).to.equal(2);
  });
});

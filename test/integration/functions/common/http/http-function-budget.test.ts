/**
 * A request's time budget is enforced where the request is served: the
 * handler's work is abandoned and answered 504 once the budget is spent,
 * in-process with a handler that never answers, and in a real order function
 * process whose Firestore accepts connections and then says nothing.
 */
import {expect} from 'chai';
import type {ChildProcess} from 'node:child_process';
import {createServer, type Server, type Socket} from 'node:net';
import request from 'supertest';
import {createHttpFunction} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import {freePort, stopGroup, waitFor} from '../../../../../local/processes';
import {spawnFunction} from '../../../../../local/stack';
import {frameworkServer} from '../../../../fixtures/functions';
import {PUBLIC} from '../../../../../functions/common/http/access';

describe('createHttpFunction: the request budget', function () {
  // Far above the budgets used here: only a request that is never answered
  // within its budget can reach it.
  this.timeout(10_000);

  it('answers 504 when the handler is still working as the budget runs out', async () => {
    const server = frameworkServer(
      createHttpFunction({
        service: 'test',
        projectId: 'p',
        requestTimeoutMs: 15_000,
        endUsers: 'off',
        logger: new JsonLogger('test', 'silent'),
        routes: [
          {
            method: 'GET',
            path: '/stall',
            rule: PUBLIC,
            handler: () => new Promise(() => undefined),
          },
          {
            method: 'GET',
            path: '/ok',
            rule: PUBLIC,
            handler: async () => ({body: {ok: true}}),
          },
        ],
      }),
    );
    const res = await request(server)
      .get('/stall')
      .set('x-request-budget-ms', '150');
    expect(res.status).to.equal(504);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(res.body).to.include({
      status: 504,
      code: 'out-of-time',
    });
    expect(
      (await request(server).get('/ok').set('x-request-budget-ms', '150'))
        .status,
    ).to.equal(200);
  });

  describe('in an order function whose Firestore stalls', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    let child: ChildProcess;
    let url: string;

    before(async () => {
      // Accepts connections, reads nothing, answers nothing.
      silent = createServer(socket => sockets.push(socket));
      await new Promise<void>(r => silent.listen(0, '127.0.0.1', r));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      child = spawnFunction('order', port, {
        PATH: process.env.PATH ?? '',
        GOOGLE_CLOUD_PROJECT: 'stalled',
        ALLOWED_CALLERS: 'anyone',
        END_USER_AUTH: 'off',
        LOG_LEVEL: 'silent',
        FIRESTORE_EMULATOR_HOST: `127.0.0.1:${(silent.address() as {port: number}).port}`,
        FIRESTORE_DATABASE: 'order-data',
      });
      child.stdout?.resume();
      child.stderr?.resume();
      await waitFor(
        'the order function',
        async () => (await fetch(`${url}/`)).status > 0,
        20_000,
        child,
      );
    });
    after(async () => {
      await stopGroup(child);
      for (const s of sockets) s.destroy();
      await new Promise(r => silent.close(r));
    });

    it('abandons the Firestore call and answers 504 within the budget its caller gave', async () => {
      const res = await fetch(`${url}/orders/order-001`, {
        headers: {'x-request-budget-ms': '300'},
      });
      expect(res.status).to.equal(504);
      expect(await res.json()).to.include({code: 'out-of-time'});
    });
  });
});

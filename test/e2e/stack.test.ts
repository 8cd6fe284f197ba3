/**
 * The whole system as `npm start` runs it, in both of its modes: three
 * Functions Framework processes, each with its own service account from the
 * identity server, calling each other over HTTP with real tokens, data in the
 * emulator. In cloud mode each function is behind its local Cloud Run front
 * end and calls go through the local VPC connector, as on Google Cloud.
 */
import {expect} from 'chai';
import {readFileSync, rmSync} from 'node:fs';
import {Agent, request as httpRequest} from 'node:http';
import * as path from 'node:path';
import {emulatorFirestore} from '../../local/firestore-emulator';
import {SIGNATURE_REMOVED} from '../../local/front-end';
import {claimsFor} from '../../local/token-signer';
import {waitFor} from '../../local/processes';
import {ROOT, startStack, type Stack, type StackMode} from '../../local/stack';
import {loadTopology, parseTopology} from '../../scripts/topology';
import {viaConnector} from '../fixtures/connector';
import {uniqueProjectId} from '../fixtures/emulator';
import {runProcess} from '../fixtures/run-process';
import {call, type Reply} from '../fixtures/call';

const logRoot = path.join(ROOT, '.local', 'test-logs');
// Keep only the latest run's logs, for a look after a failure.
before(() => rmSync(logRoot, {recursive: true, force: true}));

/** A token of `who`'s account for `audience`, signed by the stack's issuer. */
function tokenOf(stack: Stack, who: string, audience: string): string {
  return stack.identity.signer.sign(
    claimsFor(stack.info.issuer.url, stack.info.accounts[who], audience),
  );
}

const stripped = (token: string) => token.replace(/[^.]*$/, SIGNATURE_REMOVED);

/** Alice, the seed data's admin: these tests are about the stack, not about who may see what (end-users.test.ts). */
const ALICE = 'alice@example.com';

/** A seed user's ID token, from the stack's Identity Platform. */
const endUserToken = (stack: Stack, email = ALICE) =>
  stack.identity.toolkit.idTokenFor(email);

/** `init` with the end user's token added (Alice's unless `who` is null). */
function asEndUser(
  stack: Stack,
  init: RequestInit = {},
  who: string | null = ALICE,
): RequestInit {
  return {
    ...init,
    headers: {
      ...(who === null
        ? {}
        : {Authorization: `Bearer ${endUserToken(stack, who)}`}),
      ...(init.headers as Record<string, string> | undefined),
    },
  };
}

/** The JSON lines of one of the stack's log files. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function logEntries(logs: string, name: string): any[] {
  return readFileSync(path.join(logs, `${name}.log`), 'utf8')
    .split('\n')
    .filter(l => l.startsWith('{'))
    .map(l => JSON.parse(l));
}

/** Loopback as /proc/net/tcp and tcp6 write it: 127.0.0.1, ::ffff:127.0.0.1 and ::1. */
const LOOPBACK = new Set([
  '0100007F',
  '0000000000000000FFFF00000100007F',
  '00000000000000000000000001000000',
]);

/** The addresses each listening TCP port of this machine is bound to, from /proc/net. */
function listeningSockets(): Map<number, string[]> {
  const byPort = new Map<number, string[]>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || local === undefined) continue; // 0A: LISTEN
      const [address, port] = local.split(':');
      const n = parseInt(port, 16);
      byPort.set(n, [...(byPort.get(n) ?? []), address]);
    }
  }
  return byPort;
}

const MODES: StackMode[] = ['cloud', 'verify'];
for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end`, function () {
    this.timeout(60_000);
    let stack: Stack;
    const logs = path.join(logRoot, `${mode}-${uniqueProjectId('e2e')}`);

    const gw = (p: string, init?: RequestInit) =>
      call(`${stack.info.urls.gateway}${p}`, asEndUser(stack, init));
    const post = (
      p: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) =>
      gw(p, {
        method: 'POST',
        headers: {'Content-Type': 'application/json', ...headers},
        body: JSON.stringify(body),
      });

    before(async () => {
      stack = await startStack({
        mode,
        projectId: uniqueProjectId('e2e'),
        firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
        logs,
      });
    });
    after(() => stack?.stop());

    it('answers the health check', async () => {
      expect((await gw('/')).body).to.deep.equal({
        service: 'gateway',
        status: 'ok',
        calls: ['user', 'order'],
      });
    });

    it('lists the seed users and finds Alice through the user function', async () => {
      const list = await gw('/api/users');
      expect(list.body.data.users.map((u: {id: string}) => u.id)).to.deep.equal(
        ['user-001', 'user-002', 'user-003'],
      );
      const alice = await gw('/api/users/user-001');
      expect(alice.body).to.deep.include({
        source: 'gateway',
        target: 'user',
        flow: 'gateway → user',
      });
      expect(alice.body.data.user).to.include({
        name: 'Alice Johnson',
        email: 'alice@example.com',
        role: 'admin',
      });
    });

    it('answers 404, not 500, for an unknown user', async () => {
      const res = await gw('/api/users/unknown');
      expect(res.status).to.equal(404);
      expect(res.headers.get('content-type')).to.match(
        /^application\/problem\+json/,
      );
      expect(JSON.stringify(res.body)).not.to.contain('127.0.0.1');
    });

    it('never lets a path parameter reach another internal route', async () => {
      for (const p of [
        '/api/users/..%2Forders',
        '/api/users/user-001%2Forders',
        '/api/user-orders/..%2F..%2Fstats',
      ]) {
        expect((await gw(p)).status, p).to.equal(400);
      }
    });

    it("serves the mesh route: gateway → user → order, with Alice's two orders", async () => {
      const res = await gw('/api/user-orders/user-001');
      expect(res.status).to.equal(200);
      expect(res.body.mesh_path).to.deep.equal(['gateway', 'user', 'order']);
      expect(res.body.workflow).to.equal('user-orders-mesh');
      expect(res.body.data.user.name).to.equal('Alice Johnson');
      expect(
        res.body.data.orders.orders.map((o: {id: string}) => o.id),
      ).to.deep.equal(['order-001', 'order-003']);
      expect(res.body.data.orders.orders[1].total).to.equal(67.95);
    });

    it('serves the direct route: gateway → user and gateway → order', async () => {
      const res = await gw('/api/user-orders-direct/user-001');
      expect(res.body.workflow).to.equal('user-orders-direct');
      expect(res.body.data.user.id).to.equal('user-001');
      expect(res.body.data.orders.count).to.equal(2);
    });

    it('creates an order through two hops, exactly once per Idempotency-Key, and shows it', async () => {
      const order = {
        userId: 'user-002',
        items: [
          {product: 'Cable', quantity: 3, price: 15.99},
          {product: 'Plug', quantity: 2, price: 9.99},
        ],
      };
      const created = await post('/api/orders', order, {
        'Idempotency-Key': 'e2e-1',
      });
      expect(created.status).to.equal(201);
      const id = created.body.data.order.id;
      expect(created.body.data.order).to.include({
        total: 67.95,
        status: 'pending',
      });
      const again = await post('/api/orders', order, {
        'Idempotency-Key': 'e2e-1',
      });
      expect(again.status).to.equal(201);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(again.body.data.order).to.deep.equal(created.body.data.order);
      const bobs = await gw('/api/orders?userId=user-002');
      expect(bobs.body.data.orders.map((o: {id: string}) => o.id)).to.include(
        id,
      );
      expect(
        bobs.body.data.orders.filter((o: {id: string}) => o.id === id),
      ).to.have.length(1);
    });

    it('refuses an order for a user that does not exist', async () => {
      const res = await post('/api/orders', {
        userId: 'user-999',
        items: [{product: 'x', quantity: 1, price: 1}],
      });
      expect(res.status).to.equal(422);
    });

    it('answers bad input with a 4xx problem document', async () => {
      const cases: [string, Promise<Reply>, number][] = [
        [
          'bad JSON',
          gw('/api/orders', {
            method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: '{',
          }),
          400,
        ],
        [
          'a text body',
          gw('/api/orders', {
            method: 'POST',
            headers: {'Content-Type': 'text/plain'},
            body: 'hi',
          }),
          415,
        ],
        ['a bad filter', gw('/api/orders?status=lost'), 400],
        [
          'a float quantity',
          post('/api/orders', {
            userId: 'user-001',
            items: [{product: 'x', quantity: 1.5, price: 1}],
          }),
          400,
        ],
      ];
      for (const [name, reply, status] of cases) {
        const res = await reply;
        expect(res.status, name).to.equal(status);
        expect(res.headers.get('content-type'), name).to.match(
          /^application\/problem\+json/,
        );
      }
    });

    it('aggregates users, orders and stats', async () => {
      const res = await gw('/api/aggregate');
      expect(res.status).to.equal(200);
      expect(res.body.data).to.have.keys('users', 'orders', 'stats');
      expect(res.body.data.stats.stats.totalOrders).to.be.at.least(4);
      expect(res.body).not.to.have.property('errors');
    });

    if (mode === 'verify') {
      it('refuses direct calls to the internal functions without a token', async () => {
        for (const url of [
          `${stack.info.urls.user}/users`,
          `${stack.info.urls.order}/orders`,
        ]) {
          const res = await call(url);
          expect(res.status, url).to.equal(401);
          expect(res.headers.get('www-authenticate')).to.match(/^Bearer/);
        }
      });

      it('lets only the allowed accounts call each internal function', async () => {
        const as = (who: string, audience: string) => ({
          headers: {
            'X-Serverless-Authorization': `Bearer ${tokenOf(stack, who, audience)}`,
            Authorization: `Bearer ${endUserToken(stack)}`,
          },
        });
        const {user, order} = stack.info.urls;
        expect(
          (await call(`${user}/users`, as('gateway', user))).status,
        ).to.equal(200);
        expect(
          (await call(`${user}/users`, as('order', user))).status,
        ).to.equal(403);
        expect(
          (await call(`${order}/orders`, as('user', order))).status,
        ).to.equal(200);
        // A gateway token for the user function is no good at the order function.
        expect(
          (await call(`${order}/orders`, as('gateway', user))).status,
        ).to.equal(401);
      });

      it('refuses a token whose signature was stripped: only the platform may strip it', async () => {
        const {user} = stack.info.urls;
        const res = await call(`${user}/users`, {
          headers: {
            Authorization: `Bearer ${stripped(tokenOf(stack, 'gateway', user))}`,
          },
        });
        expect(res.status).to.equal(401);
        expect(res.body.code).to.equal('token-bad-signature');
      });
    }

    it('listens on loopback only, on every port it opened', () => {
      const {info} = stack;
      const ports = [
        ...Object.values(stack.layout.urls),
        ...Object.values(info.listens),
        info.issuer.url,
        ...Object.values(info.identity).map(h => `http://${h}`),
        ...(info.connector ? [`http://${info.connector}`] : []),
      ].map(u => Number(new URL(u).port));
      const listening = listeningSockets();
      for (const port of new Set(ports)) {
        const addresses = listening.get(port);
        expect(addresses, `port ${port}`).not.to.equal(undefined);
        for (const a of addresses!)
          expect(LOOPBACK.has(a), `port ${port} listens on ${a}`).to.equal(
            true,
          );
      }
    });

    it("answers a body too large with the function's 413 through the front end, declared or streamed, and a small streamed body as any", async () => {
      const big =
        '{"items":[' +
        '{"product":"x","quantity":1,"price":1},'.repeat(130_000) +
        ']}';
      // A client that takes the answer as soon as it comes, as curl does:
      // the server may answer (and stop reading) before the upload ends.
      // Keep-alive, as curl and fetch: with Connection: close a server may
      // close once it has answered, under the upload.
      const agent = new Agent({keepAlive: true});
      const post = (body: string, streamed: boolean) =>
        new Promise<{status: number; type: string}>((resolve, reject) => {
          const target = new URL(`${stack.info.urls.gateway}/api/orders`);
          const req = httpRequest(
            {
              host: target.hostname,
              port: target.port,
              method: 'POST',
              path: target.pathname,
              agent,
              headers: {
                'Content-Type': 'application/json',
                Authorization: `Bearer ${endUserToken(stack)}`,
                ...(streamed
                  ? {}
                  : {'Content-Length': Buffer.byteLength(body)}),
              },
            },
            res => {
              res.resume();
              resolve({
                status: res.statusCode ?? 0,
                type: String(res.headers['content-type']),
              });
            },
          );
          req.on('error', reject); // after an answer, a settled promise ignores it
          const size = streamed ? 16 * 1024 : body.length;
          for (let i = 0; i < body.length; i += size)
            req.write(body.slice(i, i + size));
          req.end();
        });
      for (const streamed of [false, true]) {
        const res = await post(big, streamed);
        expect(res.status, `streamed: ${streamed}`).to.equal(413);
        expect(res.type).to.match(/^application\/problem\+json/);
      }
      const small = await post(
        JSON.stringify({
          userId: 'user-003',
          items: [{product: 'streamed', quantity: 1, price: 1}],
        }),
        true,
      );
      expect(small.status).to.equal(201);
      agent.destroy();
    });

    if (mode === 'cloud') {
      it('writes the mode, the connector and where each function listens into stack.json', () => {
        expect(stack.info.mode).to.equal('cloud');
        expect(stack.info.connector).to.match(/^127\.0\.0\.1:\d+$/);
        for (const name of ['gateway', 'user', 'order']) {
          expect(stack.info.listens[name]).to.match(
            /^http:\/\/127\.0\.0\.1:\d+$/,
          );
          expect(stack.info.listens[name]).not.to.equal(
            stack.layout.urls[name],
          );
        }
      });

      it('answers 404 from outside the VPC for user and order, even with a valid gateway token', async () => {
        for (const [name, route] of [
          ['user', '/users'],
          ['order', '/orders'],
        ]) {
          const url = stack.info.urls[name];
          const res = await call(`${url}${route}`, {
            headers: {
              Authorization: `Bearer ${tokenOf(stack, 'gateway', url)}`,
            },
          });
          expect(res.status, name).to.equal(404);
          expect(res.headers.get('content-type'), name).to.match(/^text\/html/);
          expect(res.body, name).to.contain(
            '<title>404 Page not found</title>',
          );
        }
        const refused = logEntries(logs, 'front-end').filter(
          e => e.httpRequest.status === 404,
        );
        expect(refused.map(e => e.service)).to.include.members([
          'user',
          'order',
        ]);
        expect(JSON.stringify(refused)).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
      });

      it("checks every call from inside the VPC as Cloud Run's IAM check does", async () => {
        const {
          urls: {user},
          connector,
        } = stack.info;
        const to = `${user}/users`;
        const bearer = (token: string) => ({Authorization: `Bearer ${token}`});
        const gatewayToken = tokenOf(stack, 'gateway', user);
        const cases: [string, Record<string, string>, number, RegExp][] = [
          [
            'no token',
            {},
            403,
            /Your client does not have permission to get URL <code>\/users<\/code> from this server/,
          ],
          [
            'a tampered token',
            bearer(gatewayToken.slice(0, -4) + 'AAAA'),
            401,
            /<title>401 Unauthorized<\/title>/,
          ],
          [
            'a token for another audience',
            bearer(tokenOf(stack, 'gateway', stack.info.urls.order)),
            401,
            /401 Unauthorized/,
          ],
          [
            "order-fn's token: no invoker edge to user",
            bearer(tokenOf(stack, 'order', user)),
            403,
            /403 Forbidden/,
          ],
          [
            "a gateway token alone: through the front end, but no end user's data, and the answer says whose token is missing",
            bearer(gatewayToken),
            401,
            /"code":"end-user-token-required"/,
          ],
          [
            'a gateway token in X-Serverless-Authorization, Authorization for the application',
            {
              'X-Serverless-Authorization': `Bearer ${gatewayToken}`,
              Authorization: 'Basic YXBwOmFwcA==',
            },
            401,
            /"code":"end-user-token-required"/,
          ],
          [
            "a gateway token in X-Serverless-Authorization, an admin's ID token in Authorization",
            {
              'X-Serverless-Authorization': `Bearer ${gatewayToken}`,
              Authorization: `Bearer ${endUserToken(stack)}`,
            },
            200,
            /"service":"user"/,
          ],
        ];
        for (const [name, headers, status, body] of cases) {
          const res = await viaConnector(connector!, to, headers);
          expect(res.status, name).to.equal(status);
          expect(res.text, name).to.match(body);
        }
        const refusedCallers = logEntries(logs, 'front-end')
          .filter(e => e.service === 'user' && e.httpRequest.status === 403)
          .map(e => e.caller);
        expect(refusedCallers).to.include.members([
          'anonymous',
          stack.info.accounts.order,
        ]);
      });

      it('serves `curl -x <connector>` from this machine as a request from inside the VPC', async () => {
        const {
          urls: {user},
          connector,
        } = stack.info;
        const result = await runProcess('curl', [
          '-sS',
          '-x',
          `http://${connector}`,
          `${user}/users/user-001`,
          '-H',
          `X-Serverless-Authorization: Bearer ${tokenOf(stack, 'gateway', user)}`,
          '-H',
          `Authorization: Bearer ${endUserToken(stack)}`,
          '-w',
          '\n%{http_code}',
        ]);
        expect(result.stdout).to.match(/"name":"Alice Johnson"[\s\S]*\n200$/);
      });

      it('runs the functions in platform mode: a stripped signature is accepted, the claims still checked', async () => {
        const {
          listens,
          urls: {user},
        } = stack.info;
        const as = (token: string) => ({
          headers: {
            'X-Serverless-Authorization': `Bearer ${token}`,
            Authorization: `Bearer ${endUserToken(stack)}`,
          },
        });
        expect(
          (
            await call(
              `${listens.user}/users`,
              as(stripped(tokenOf(stack, 'gateway', user))),
            )
          ).status,
        ).to.equal(200);
        expect(
          (
            await call(
              `${listens.user}/users`,
              as(stripped(tokenOf(stack, 'gateway', stack.info.urls.order))),
            )
          ).status,
        ).to.equal(401);
        expect(
          (
            await call(
              `${listens.user}/users`,
              as(stripped(tokenOf(stack, 'order', user))),
            )
          ).status,
        ).to.equal(403);
      });
    }

    it('reuses tokens: a handful issued however many requests were served', async () => {
      for (let i = 0; i < 20; i++) await gw('/api/user-orders/user-001');
      // One per caller and audience: gateway→user, gateway→order, user→order.
      expect(stack.identity.issued).to.deep.equal({
        gateway: 2,
        user: 1,
        order: 0,
      });
    });

    it('writes one JSON log line per request and never a token', async () => {
      const requestId = `one-line-${mode}-${Date.now()}`;
      const res = await gw('/api/user-orders/user-001', {
        headers: {'X-Request-Id': requestId},
      });
      expect(res.status).to.equal(200);
      // The request crossed all three functions: each wrote its line of it.
      const linesOf = (name: string) =>
        logEntries(logs, name).filter(e => e.requestId === requestId);
      const deadline = Date.now() + 5000;
      while (
        ['gateway', 'user', 'order'].some(n => linesOf(n).length === 0) &&
        Date.now() < deadline
      )
        await new Promise(r => setTimeout(r, 50));
      await new Promise(r => setTimeout(r, 200)); // room for a second line
      for (const name of ['gateway', 'user', 'order'])
        expect(linesOf(name), name).to.have.length(1);

      const [request] = linesOf('gateway');
      expect(request).to.include({severity: 'INFO', service: 'gateway'});
      expect(request.httpRequest).to.include({
        requestMethod: 'GET',
        requestUrl: '/api/user-orders/user-001',
        status: 200,
      });
      expect(request.httpRequest).to.include.keys('latency');
      expect(linesOf('user')[0].caller).to.equal(stack.info.accounts.gateway);
      expect(linesOf('order')[0].caller).to.equal(stack.info.accounts.user);
      for (const name of ['gateway', 'user', 'order']) {
        expect(
          readFileSync(path.join(logs, `${name}.log`), 'utf8'),
        ).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
      }
    });

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

    it('says when a function exits, and starts a new instance of it', async () => {
      // The user function's first instance dies, as after a crash.
      process.kill(stack.pids.user, 'SIGKILL');
      await waitFor(
        'the stack to notice',
        async () =>
          logEntries(logs, 'user').some(
            e =>
              e.component === 'stack' &&
              e.message ===
                'the user function exited (SIGKILL); starting a new instance',
          ),
        10_000,
      );
      await waitFor(
        'a new user instance',
        async () => (await gw('/api/users/user-001')).status === 200,
        30_000,
      );
    });

    it('degrades cleanly when the order function is down', async () => {
      await stack.stopFunction('order');
      const orders = await gw('/api/orders');
      expect(orders.status).to.equal(503);
      expect(orders.body.code).to.equal('service-unavailable');
      expect(orders.body.detail).to.include('order');
      const aggregate = await gw('/api/aggregate');
      expect(aggregate.status).to.equal(200);
      expect(aggregate.body.data).to.have.keys('users');
      expect(
        aggregate.body.errors.map((e: {part: string}) => e.part),
      ).to.deep.equal(['orders', 'stats']);
      expect((await gw('/api/users/user-001')).status).to.equal(200);
      expect((await gw('/api/user-orders/user-001')).status).to.equal(503);
    });
  });

describe('the local stack in cloud mode, smaller: one order instance serving one request at a time', function () {
  this.timeout(60_000);
  let stack: Stack;
  const logs = path.join(logRoot, `no-edge-${uniqueProjectId('e2e')}`);

  before(async () => {
    const copy = JSON.parse(
      readFileSync(path.join(ROOT, 'topology.json'), 'utf8'),
    );
    copy.functions.order.resources.maxInstances = 1;
    copy.functions.order.resources.concurrency = 1;
    stack = await startStack({
      mode: 'cloud',
      topology: parseTopology(copy),
      projectId: uniqueProjectId('e2e'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      logs,
    });
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

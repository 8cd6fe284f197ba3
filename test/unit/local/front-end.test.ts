/**
 * The local Cloud Run front end, alone: real tokens from the identity
 * server, a recording stand-in for the function behind it, and two doors,
 * one from the internet and one from inside the VPC.
 */
import {expect} from 'chai';
import {Agent, createServer, request, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {
  CloudRunFrontEnd,
  SIGNATURE_REMOVED,
  type FrontEndOptions,
  type Origin,
} from '../../../local/front-end';
import {waitFor} from '../../../local/processes';
import {testIdentity} from '../../fixtures/functions';
import {json, recordingServer} from '../../fixtures/http-server';

describe('CloudRunFrontEnd', () => {
  const SELF = 'http://user.test';
  let kit: Awaited<ReturnType<typeof testIdentity>>;
  let fn: Awaited<ReturnType<typeof recordingServer>>;
  const servers: Server[] = [];
  const frontEnds: CloudRunFrontEnd[] = [];
  let logged: Record<string, unknown>[] = [];

  before(async () => {
    kit = await testIdentity();
    fn = await recordingServer((_req, res) => json(res, 200, {ok: true}));
  });
  beforeEach(() => (logged = []));
  after(async () => {
    for (const fe of frontEnds) fe.close();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise(r => s.close(r));
    }
    await fn.close();
    await kit.identity.stop();
  });

  /** A front end for the user function (invoked by the gateway only), served from `origin`. */
  async function door(
    origin: Origin,
    options: Partial<FrontEndOptions> = {},
  ): Promise<string> {
    const fe = new CloudRunFrontEnd({
      projectId: 'fe-test',
      service: 'user',
      url: SELF,
      functionUrl: fn.url,
      ingress: 'internal-only',
      allowUnauthenticated: false,
      invokers: [kit.accounts.gateway],
      issuer: kit.info.issuer,
      certsUrl: kit.info.certsUrl,
      log: line => logged.push(JSON.parse(line)),
      ...options,
    });
    frontEnds.push(fe);
    const server = createServer((req, res) => void fe.handle(req, res, origin));
    servers.push(server);
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const bearer = (who: string, audience = SELF) =>
    `Bearer ${kit.token(who, audience)}`;

  it('answers 404 to a request from outside the VPC before looking at any token', async () => {
    const outside = await door('internet');
    const seen = fn.requests.length;
    const tries: Record<string, string>[] = [
      {},
      {Authorization: bearer('gateway')},
    ];
    for (const headers of tries) {
      const res = await fetch(`${outside}/users`, {headers});
      expect(res.status).to.equal(404);
      expect(await res.text()).to.contain('<title>404 Page not found</title>');
    }
    expect(fn.requests.length).to.equal(seen);
    expect(logged.map(l => l.message)).to.deep.equal([
      'The request was blocked by the ingress setting.',
      'The request was blocked by the ingress setting.',
    ]);
  });

  it('lets anyone through to a function with ingress all that allows unauthenticated calls, headers untouched', async () => {
    const open = await door('internet', {
      ingress: 'all',
      allowUnauthenticated: true,
    });
    const token = bearer('order');
    const res = await fetch(`${open}/api?x=1`, {
      headers: {Authorization: token},
    });
    expect(res.status).to.equal(200);
    const last = fn.requests[fn.requests.length - 1];
    expect(last.url).to.equal('/api?x=1');
    expect(last.headers.authorization).to.equal(token);
  });

  const refusals: {
    name: string;
    headers: () => Record<string, string>;
    status: number;
    page: RegExp;
    caller: () => string;
  }[] = [
    {
      name: 'no token',
      headers: () => ({}),
      status: 403,
      page: /Your client does not have permission to get URL <code>\/users<\/code> from this server\./,
      caller: () => 'anonymous',
    },
    {
      name: 'a tampered token',
      headers: () => ({Authorization: bearer('gateway').slice(0, -4) + 'AAAA'}),
      status: 401,
      page: /Your client does not have permission to the requested URL <code>\/users<\/code>\./,
      caller: () => 'unverified',
    },
    {
      name: 'an expired token',
      headers: () => ({
        Authorization: `Bearer ${kit.token('gateway', SELF, {exp: Math.floor(Date.now() / 1000) - 3600})}`,
      }),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: "a token for another function's URL",
      headers: () => ({Authorization: bearer('gateway', 'http://order.test')}),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: 'a token from another issuer',
      headers: () => ({
        Authorization: `Bearer ${kit.token('gateway', SELF, {iss: 'https://accounts.google.com'})}`,
      }),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
    {
      name: 'a valid token from an account without an invoker binding',
      headers: () => ({Authorization: bearer('order')}),
      status: 403,
      page: /403 Forbidden/,
      caller: () => kit.accounts.order,
    },
    {
      name: 'a valid gateway token in Authorization, a bad one in X-Serverless-Authorization',
      headers: () => ({
        Authorization: bearer('gateway'),
        'X-Serverless-Authorization': 'Bearer a.b.c',
      }),
      status: 401,
      page: /401 Unauthorized/,
      caller: () => 'unverified',
    },
  ];
  refusals.forEach(c =>
    it(`answers ${c.status} to ${c.name} from inside the VPC, with Google's page, and logs it`, async () => {
      const inside = await door('vpc');
      const seen = fn.requests.length;
      const res = await fetch(`${inside}/users`, {headers: c.headers()});
      expect(res.status).to.equal(c.status);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(await res.text()).to.match(c.page);
      if (c.status === 401)
        expect(res.headers.get('www-authenticate')).to.match(
          /^Bearer error="invalid_token"/,
        );
      expect(fn.requests.length).to.equal(seen);
      expect(logged).to.have.length(1);
      expect(logged[0]).to.include({
        severity: 'WARNING',
        service: 'user',
        component: 'front-end',
        caller: c.caller(),
      });
      expect(JSON.stringify(logged)).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
    }),
  );

  it('passes an invoker on with the signature of its token replaced', async () => {
    const inside = await door('vpc');
    const token = bearer('gateway');
    const res = await fetch(`${inside}/users/u1?x=1`, {
      method: 'POST',
      headers: {
        Authorization: token,
        'Content-Type': 'application/json',
        'X-Request-Id': 'r-1',
      },
      body: '{"a":1}',
    });
    expect(res.status).to.equal(200);
    const got = fn.requests[fn.requests.length - 1];
    expect(got).to.include({
      method: 'POST',
      url: '/users/u1?x=1',
      body: '{"a":1}',
    });
    expect(got.headers['x-request-id']).to.equal('r-1');
    const [head, payload] = token.split('.');
    expect(got.headers.authorization).to.equal(
      `${head}.${payload}.${SIGNATURE_REMOVED}`,
    );
    // Cloud Run's request line: the status, the latency and the caller.
    await waitFor('the request line', async () => logged.length > 0, 2000);
    expect(logged).to.have.length(1);
    expect(logged[0]).to.deep.include({
      severity: 'INFO',
      service: 'user',
      component: 'front-end',
      passed: true,
      caller: kit.accounts.gateway,
    });
    expect(logged[0].httpRequest).to.include({
      requestMethod: 'POST',
      requestUrl: '/users/u1?x=1',
      status: 200,
    });
    expect((logged[0].httpRequest as {latency: string}).latency).to.match(
      /^\d+\.\d{3}s$/,
    );
    expect(JSON.stringify(logged)).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
  });

  it('logs 499 for a caller that hangs up before the answer', async () => {
    let arrived: () => void = () => undefined;
    const first = new Promise<void>(r => (arrived = r));
    let answer: (() => void) | undefined;
    const slow = createServer((req, res) => {
      req.resume();
      answer = () => json(res, 200, {ok: true});
      arrived();
    });
    servers.push(slow);
    await new Promise<void>(r => slow.listen(0, '127.0.0.1', r));
    const inside = await door('vpc', {
      functionUrl: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
    });
    const abort = new AbortController();
    const gone = fetch(`${inside}/users`, {
      headers: {Authorization: bearer('gateway')},
      signal: abort.signal,
    }).catch(() => 'aborted');
    await first;
    abort.abort();
    expect(await gone).to.equal('aborted');
    answer?.();
    await waitFor('the request line', async () => logged.length > 0, 2000);
    expect(logged[0]).to.deep.include({
      severity: 'WARNING',
      passed: true,
      caller: kit.accounts.gateway,
    });
    expect(logged[0].httpRequest).to.include({status: 499});
  });

  it('checks and strips X-Serverless-Authorization, and passes Authorization through untouched', async () => {
    const inside = await door('vpc');
    const token = bearer('gateway');
    await fetch(`${inside}/users`, {
      headers: {
        'X-Serverless-Authorization': token,
        Authorization: 'Basic YXBwOmFwcA==',
      },
    });
    const got = fn.requests[fn.requests.length - 1];
    expect(got.headers['x-serverless-authorization']).to.equal(
      token.replace(/[^.]*$/, SIGNATURE_REMOVED),
    );
    expect(got.headers.authorization).to.equal('Basic YXBwOmFwcA==');
  });

  it("answers 429 with Google's page beyond its capacity, and serves again once a request ends", async () => {
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const held = new Promise<void>(r => (release = r));
    const first = new Promise<void>(r => (arrived = r));
    const busy = createServer((req, res) => {
      req.resume();
      arrived();
      void held.then(() => json(res, 200, {ok: true}));
    });
    servers.push(busy);
    await new Promise<void>(r => busy.listen(0, '127.0.0.1', r));
    const inside = await door('vpc', {
      functionUrl: `http://127.0.0.1:${(busy.address() as AddressInfo).port}`,
      capacity: 1,
    });
    const headers = {Authorization: bearer('gateway')};
    const answered = fetch(`${inside}/users`, {headers});
    await first; // in flight: the function has it
    const full = await fetch(`${inside}/users`, {headers});
    expect(full.status).to.equal(429);
    expect(await full.text()).to.contain(
      '<title>429 Too Many Requests</title>',
    );
    expect(logged.at(-1)).to.include({
      message:
        'The request was aborted because there was no available instance.',
      capacity: 1,
    });
    release();
    expect((await answered).status).to.equal(200);
    expect((await fetch(`${inside}/users`, {headers})).status).to.equal(200);
  });

  it('passes on an answer given before the body ended, and reads the rest of the body itself', async () => {
    // A function that refuses a body by its declared size, at once, and
    // drops the rest of it as it comes.
    const early = createServer((req, res) => {
      req.resume();
      json(res, 413, {title: 'Payload Too Large'});
    });
    servers.push(early);
    await new Promise<void>(r => early.listen(0, '127.0.0.1', r));
    const inside = await door('vpc', {
      functionUrl: `http://127.0.0.1:${(early.address() as AddressInfo).port}`,
    });
    const body = Buffer.alloc(32 * 1024 * 1024, 'x');
    const agent = new Agent({keepAlive: true});
    const {status, uploaded} = await new Promise<{
      status: number;
      uploaded: Promise<void>;
    }>((resolve, reject) => {
      const req = request(`${inside}/users`, {
        method: 'POST',
        agent,
        headers: {
          Authorization: bearer('gateway'),
          'Content-Length': body.length,
        },
      });
      // Settled once the whole body has left, or the connection broke.
      const uploaded = new Promise<void>((done, broke) => {
        req.on('finish', done);
        req.on('error', broke);
      });
      uploaded.catch(() => undefined); // awaited below
      req.on('response', res => {
        res.resume();
        resolve({status: res.statusCode ?? 0, uploaded});
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).to.equal(413);
    // The client's connection stays whole while the rest goes up.
    await uploaded;
    agent.destroy();
  });

  it("answers 503 with Google's page when the function behind it is down", async () => {
    const down = await recordingServer(() => undefined);
    const functionUrl = down.url;
    await down.close();
    const inside = await door('vpc', {functionUrl});
    const res = await fetch(`${inside}/users`, {
      headers: {Authorization: bearer('gateway')},
    });
    expect(res.status).to.equal(503);
    expect(await res.text()).to.contain('503 Service Unavailable');
  });
});

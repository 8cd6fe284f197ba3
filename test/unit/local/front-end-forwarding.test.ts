/**
 * The local Cloud Run front end and the function behind it, alone
 * (test/fixtures/front-end.ts): 499 for a caller that hangs up, 429 beyond
 * its capacity, an answer given before the body ended, 503 when the
 * function is down.
 */
import {expect} from 'chai';
import {Agent, createServer, request} from 'node:http';
import type {AddressInfo} from 'node:net';
import {waitFor} from '../../../local/processes';
import {frontEndDoors, type Kit} from '../../fixtures/front-end';
import {json, recordingServer} from '../../fixtures/http-server';

describe('CloudRunFrontEnd: the function behind it', () => {
  const {door, bearer, logged, servers, started} = frontEndDoors();
  let kit: Kit;
  before(() => ({kit} = started()));

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

/**
 * The body guards (framework.ts) on a streamed body, over a raw socket: one
 * that passes MAX_BODY_BYTES is answered 413 as it passes it, while its
 * sender is still sending (body-parser alone answers once the body ends,
 * and never to one that does not), and a sender that goes on sending is
 * cut off once the answer has had its time.
 */
import {expect} from 'chai';
import type {AddressInfo} from 'node:net';
import type {Server} from 'node:http';
import {PUBLIC} from '../../../../../functions/common/http/access';
import {
  LINGER_MS,
  MAX_BODY_BYTES,
} from '../../../../../functions/common/http/framework';
import {createHttpFunction} from '../../../../../functions/common/http/http-function';
import {JsonLogger} from '../../../../../functions/common/telemetry/logger';
import {frameworkServer} from '../../../../fixtures/functions';
import {streamedRequest} from '../../../../fixtures/streamed-body';

/** Sends `bytes` in chunks of at most 4 KiB. */
function sendAll(send: (bytes: number) => void, bytes: number): void {
  for (let left = bytes; left > 0; left -= 4096) send(Math.min(left, 4096));
}

describe('framework body guards: a streamed body', function () {
  this.timeout(20_000);
  let server: Server;
  let url: string;

  before(async () => {
    server = frameworkServer(
      createHttpFunction({
        service: 'test',
        projectId: 'p',
        requestTimeoutMs: 15_000,
        endUsers: 'off',
        logger: new JsonLogger('test', 'silent'),
        routes: [
          {
            method: 'POST',
            path: '/size',
            rule: PUBLIC,
            handler: async req => ({
              body: {length: (req.body as {s: string}).s.length},
            }),
          },
        ],
      }),
    );
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/size`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });

  it('is taken whole at the limit', async () => {
    const req = streamedRequest(url);
    // {"s":"x…x"}: exactly MAX_BODY_BYTES bytes.
    req.send('{"s":"');
    sendAll(req.send, MAX_BODY_BYTES - 8);
    req.send('"}');
    req.end();
    const res = await req.answer;
    expect(res.status, res.body).to.equal(200);
    expect(JSON.parse(res.body)).to.deep.equal({length: MAX_BODY_BYTES - 8});
    req.socket.destroy();
  });

  it('is answered 413 as soon as it passes the limit, though it has not ended', async () => {
    const req = streamedRequest(url, {'X-Request-Id': 'client-chosen'});
    req.send('{"s":"');
    sendAll(req.send, MAX_BODY_BYTES - 5);
    // One byte over, and no end of the body: the answer comes now.
    const res = await req.answer;
    expect(res.status).to.equal(413);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
    const problem = JSON.parse(res.body);
    expect(problem.code).to.equal('body-too-large');
    expect(problem.requestId).to.equal(res.headers['x-request-id']);
    expect(problem.requestId).not.to.equal('client-chosen');
    req.socket.destroy();
  });

  it('answers a sender that never stops, then closes its connection once the answer has had its time', async () => {
    const req = streamedRequest(url);
    const sending = setInterval(() => req.send(1024), 5);
    try {
      const res = await req.answer;
      expect(res.status).to.equal(413);
      const answered = Date.now();
      await req.closed;
      // Not at once: the rest had its time to arrive (the sender never
      // stopped, and would not have read an answer under a reset).
      expect(Date.now() - answered).to.be.at.least(LINGER_MS / 2);
    } finally {
      clearInterval(sending);
      req.socket.destroy();
    }
  });
});

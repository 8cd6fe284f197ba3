/** The transport calls between functions go through: what it sends, what it hands back, how it fails. */
import {expect} from 'chai';
import * as http from 'node:http';
import * as net from 'node:net';
import {
  transportRequest,
  type TransportRequest,
} from '../../../../../functions/common/calls/transport';
import {MAX_ANSWER_BYTES} from '../../../../../functions/common/platform/fetch';
import {httpCalls} from '../../../../../functions/common/tuning/http-calls';
import {json, recordingServer} from '../../../../fixtures/http-server';
import {rejectionOf} from '../../../../fixtures/rejection';

const agent = new http.Agent({keepAlive: true});

/** A request to `url` as the service client makes one, with `overrides`. */
function send(url: string, overrides: Partial<TransportRequest> = {}) {
  return httpCalls.request({
    ...transportRequest({
      url,
      method: 'GET',
      headers: {},
      signal: new AbortController().signal,
      agent: () => agent,
    }),
    ...overrides,
  });
}

/** The code of the error `p` rejects with (rejectionOf fails the test if it does not). */
async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return ((await rejectionOf(p, Error)) as NodeJS.ErrnoException).code;
}

describe('httpCalls', () => {
  after(() => agent.destroy());

  it('sends the method, headers and body, and hands back status, headers and body', async () => {
    const srv = await recordingServer((_req, res) => {
      res.setHeader('Idempotent-Replayed', 'true');
      json(res, 201, {id: 'o1'});
    });
    try {
      const res = await send(`${srv.url}/orders?x=1`, {
        method: 'POST',
        headers: {'content-type': 'application/json', 'x-a': 'b'},
        data: '{"item":"book"}',
      });
      expect(res.status).to.equal(201);
      expect(res.headers.get('Idempotent-Replayed')).to.equal('true');
      expect(res.headers.has('idempotent-replayed')).to.equal(true);
      expect(res.headers.get('retry-after')).to.equal(null);
      expect(res.headers.has('retry-after')).to.equal(false);
      expect(JSON.parse(res.data)).to.deep.equal({id: 'o1'});
      const [req] = srv.requests;
      expect(req).to.include({
        method: 'POST',
        url: '/orders?x=1',
        body: '{"item":"book"}',
      });
      expect(req.headers).to.include({
        'content-type': 'application/json',
        'x-a': 'b',
      });
      expect(req.headers).to.not.have.property('accept-encoding');
    } finally {
      await srv.close();
    }
  });

  it('goes through the agent the call names for its URL, and keeps the connection', async () => {
    const srv = await recordingServer((_req, res) => json(res, 200, {}));
    const own = new http.Agent({keepAlive: true});
    const asked: string[] = [];
    try {
      await send(srv.url, {agent: (url: URL) => (asked.push(url.href), own)});
      expect(asked).to.deep.equal([`${srv.url}/`]);
      expect(Object.keys(own.freeSockets)).to.have.length(1);
    } finally {
      own.destroy();
      await srv.close();
    }
  });

  it('follows no redirect: a 3xx is the answer, and nothing goes where it points', async () => {
    const elsewhere = await recordingServer((_req, res) => json(res, 200, {}));
    const srv = await recordingServer((_req, res) => {
      res.writeHead(302, {location: `${elsewhere.url}/stolen`});
      res.end();
    });
    try {
      const res = await send(srv.url, {
        headers: {'x-serverless-authorization': 'Bearer t'},
      });
      expect(res.status).to.equal(302);
      expect(elsewhere.requests).to.have.length(0);
    } finally {
      await srv.close();
      await elsewhere.close();
    }
  });

  it('hands back a 204 with an empty body', async () => {
    const srv = await recordingServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    try {
      const res = await send(srv.url);
      expect(res.status).to.equal(204);
      expect(res.data).to.equal('');
    } finally {
      await srv.close();
    }
  });

  it('fails with the connection’s code when nothing listens, when the answer breaks off, and when aborted', async () => {
    const srv = await recordingServer(() => undefined);
    const closed = srv.url;
    await srv.close();
    expect(await codeOf(send(closed))).to.equal('ECONNREFUSED');

    const breaking = await recordingServer((_req, res) => {
      res.writeHead(200, {'content-length': '100'});
      res.write('{"partial":');
      setImmediate(() => res.socket?.destroy());
    });
    const silent = await recordingServer(() => undefined);
    try {
      expect(await codeOf(send(breaking.url))).to.equal('ECONNRESET');
      const abort = new AbortController();
      const pending = send(silent.url, {signal: abort.signal});
      abort.abort();
      expect((await rejectionOf(pending, Error)).name).to.equal('AbortError');
    } finally {
      await breaking.close();
      await silent.close();
    }
  });

  it('settles a call whose callee switches protocols instead of answering', async () => {
    // node:http drops the socket of a 101 that nobody upgrades, with no
    // error, and the call's signal can no longer abort it.
    const upgrading = net.createServer(socket =>
      socket.once('data', () =>
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n',
        ),
      ),
    );
    await new Promise<void>(r => upgrading.listen(0, '127.0.0.1', r));
    const {port} = upgrading.address() as net.AddressInfo;
    try {
      expect(await codeOf(send(`http://127.0.0.1:${port}/`))).to.equal(
        'ECONNRESET',
      );
    } finally {
      await new Promise(r => upgrading.close(r));
    }
  });

  it('cuts off an answer larger than the call allows', async () => {
    const huge = await recordingServer((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'});
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      let sent = 0;
      const more = (): void => {
        while (sent <= MAX_ANSWER_BYTES / chunk.length && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
    });
    // One that says so up front is refused before any of it is read.
    const declared = await recordingServer((_req, res) => {
      res.writeHead(200, {'content-length': String(MAX_ANSWER_BYTES + 1)});
      res.write('{');
    });
    // The limit is the call's own: a small answer past it is refused too.
    const small = await recordingServer((_req, res) => json(res, 200, {a: 1}));
    try {
      expect(await codeOf(send(huge.url))).to.equal('ERESPONSETOOLARGE');
      expect(await codeOf(send(declared.url))).to.equal('ERESPONSETOOLARGE');
      expect(await codeOf(send(small.url, {maxContentLength: 3}))).to.equal(
        'ERESPONSETOOLARGE',
      );
      expect((await send(small.url, {maxContentLength: 7})).data).to.equal(
        '{"a":1}',
      );
    } finally {
      await huge.close();
      await declared.close();
      await small.close();
    }
  });
});

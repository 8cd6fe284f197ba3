/** The fetch calls between functions go through: what it sends, what it hands back, how it fails. */
import {expect} from 'chai';
import {Gaxios} from 'gaxios';
import * as http from 'node:http';
import {MAX_ANSWER_BYTES} from '../../../../../functions/common/platform/fetch';
import {httpFetch} from '../../../../../functions/common/tuning/http-fetch';
import {json, recordingServer} from '../../../../fixtures/http-server';
import {rejectionOf} from '../../../../fixtures/rejection';

/** The code of the error `p` rejects with (rejectionOf fails the test if it does not). */
async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return ((await rejectionOf(p, Error)) as NodeJS.ErrnoException).code;
}

describe('httpFetch', () => {
  it('sends the method, headers and body, and hands back status, headers and body', async () => {
    const srv = await recordingServer((_req, res) => {
      res.setHeader('Idempotent-Replayed', 'true');
      json(res, 201, {id: 'o1'});
    });
    try {
      const res = await httpFetch(new URL(`${srv.url}/orders?x=1`), {
        method: 'POST',
        headers: new Headers({'content-type': 'application/json', 'x-a': 'b'}),
        body: '{"item":"book"}',
      });
      expect(res.status).to.equal(201);
      expect(res.headers.get('idempotent-replayed')).to.equal('true');
      expect(await res.json()).to.deep.equal({id: 'o1'});
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

  it('goes through the agent the call names, one per URL when it is a function', async () => {
    const srv = await recordingServer((_req, res) => json(res, 200, {}));
    const agent = new http.Agent({keepAlive: true});
    const asked: string[] = [];
    try {
      await httpFetch(srv.url, {
        agent: (url: URL) => (asked.push(url.href), agent),
      } as RequestInit);
      expect(asked).to.deep.equal([`${srv.url}/`]);
      // Kept alive in that agent for the next call.
      expect(Object.keys(agent.freeSockets)).to.have.length(1);
    } finally {
      agent.destroy();
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
      const res = await httpFetch(srv.url, {
        headers: {'x-serverless-authorization': 'Bearer t'},
      });
      expect(res.status).to.equal(302);
      expect(elsewhere.requests).to.have.length(0);
    } finally {
      await srv.close();
      await elsewhere.close();
    }
  });

  it('hands back a 204 without a body', async () => {
    const srv = await recordingServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    try {
      const res = await httpFetch(srv.url);
      expect(res.status).to.equal(204);
      expect(await res.text()).to.equal('');
    } finally {
      await srv.close();
    }
  });

  it('fails with the connection’s code when nothing listens, when the answer breaks off, and when aborted', async () => {
    const srv = await recordingServer(() => undefined);
    const closed = srv.url;
    await srv.close();
    expect(await codeOf(httpFetch(closed))).to.equal('ECONNREFUSED');

    const breaking = await recordingServer((_req, res) => {
      res.writeHead(200, {'content-length': '100'});
      res.write('{"partial":');
      setImmediate(() => res.socket?.destroy());
    });
    const silent = await recordingServer(() => undefined);
    try {
      expect(await codeOf(httpFetch(breaking.url))).to.equal('ECONNRESET');
      const abort = new AbortController();
      const pending = httpFetch(silent.url, {signal: abort.signal});
      abort.abort();
      expect((await rejectionOf(pending, Error)).name).to.equal('AbortError');
    } finally {
      await breaking.close();
      await silent.close();
    }
  });

  it('cuts off an answer larger than it holds', async () => {
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
    try {
      expect(await codeOf(httpFetch(huge.url))).to.equal('ERESPONSETOOLARGE');
      expect(await codeOf(httpFetch(declared.url))).to.equal(
        'ERESPONSETOOLARGE',
      );
    } finally {
      await huge.close();
      await declared.close();
    }
  });

  it('refuses a body it does not send rather than sending something else', async () => {
    const e = await rejectionOf(
      httpFetch('http://127.0.0.1:9/', {
        method: 'POST',
        body: new URLSearchParams({a: 'b'}),
      }),
      TypeError,
    );
    expect(e).to.be.instanceOf(TypeError);
  });

  it('serves gaxios as its fetch: JSON bodies, text answers, statuses it is told to accept', async () => {
    const srv = await recordingServer((req, res) =>
      json(res, 409, {echo: JSON.parse(req.body) as unknown}),
    );
    try {
      const res = await new Gaxios({
        fetchImplementation: httpFetch,
      }).request<string>({
        url: `${srv.url}/x`,
        method: 'POST',
        data: {a: 1},
        responseType: 'text',
        retry: false,
        validateStatus: () => true,
      });
      expect(res.status).to.equal(409);
      expect(JSON.parse(res.data)).to.deep.equal({echo: {a: 1}});
      expect(srv.requests[0].headers['content-type']).to.equal(
        'application/json',
      );
    } finally {
      await srv.close();
    }
  });
});

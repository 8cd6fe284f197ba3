/**
 * ServiceClient's retries over real HTTP: which calls are tried again, how
 * long it waits for a callee that is full, and what it gives up on.
 */
import {expect} from 'chai';
import {toProblem} from '../../../../../functions/common/protocol/problem';
import {testContext} from '../../../../fixtures/context';
import {json, recordingServer} from '../../../../fixtures/http-server';
import {ANY, client, failure} from '../../../../fixtures/service-client';

describe('ServiceClient', () => {
  it('retries an idempotent call on 503 and returns the later answer', async () => {
    const srv = await recordingServer((_req, res, n) =>
      n < 3 ? json(res, 503, {detail: 'busy'}) : json(res, 200, {n}),
    );
    const reply = await client(srv.url).call(
      testContext(),
      {
        method: 'GET',
        path: ['x'],
      },
      ANY,
    );
    await srv.close();
    expect(reply.data).to.deep.equal({n: 3});
  });

  it('does not retry a POST without an Idempotency-Key', async () => {
    const srv = await recordingServer((_req, res) => json(res, 502, {}));
    const error = await failure(
      client(srv.url).call(
        testContext(),
        {
          method: 'POST',
          path: ['orders'],
          body: {a: 1},
        },
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(1);
    expect(error.failure).to.equal('failed');
  });

  it('retries a POST that carries an Idempotency-Key, with the same key and body', async () => {
    const srv = await recordingServer((_req, res, n) =>
      n === 1 ? json(res, 504, {}) : json(res, 201, {id: 'o1'}),
    );
    const reply = await client(srv.url).call(
      testContext(),
      {
        method: 'POST',
        path: ['orders'],
        body: {a: 1},
        headers: {'idempotency-key': 'k1'},
      },
      ANY,
    );
    await srv.close();
    expect(reply.status).to.equal(201);
    expect(
      srv.requests.map(r => [
        r.headers['idempotency-key'],
        r.headers['content-type'],
        r.body,
      ]),
    ).to.deep.equal([
      ['k1', 'application/json', '{"a":1}'],
      ['k1', 'application/json', '{"a":1}'],
    ]);
  });

  it('retries a 429 (no instance took it) even for a POST, waiting as Retry-After says', async () => {
    const srv = await recordingServer((_req, res, n) => {
      if (n === 1) {
        res.writeHead(429, {'Content-Type': 'text/html', 'Retry-After': '2'});
        res.end('<html>429</html>');
      } else json(res, 201, {id: 'o1'});
    });
    const waits: number[] = [];
    const reply = await client(srv.url, {
      sleep: async ms => void waits.push(ms),
    }).call(
      testContext(),
      {method: 'POST', path: ['orders'], body: {a: 1}},
      ANY,
    );
    await srv.close();
    expect(reply.status).to.equal(201);
    expect(srv.requests).to.have.length(2);
    expect(waits).to.have.length(1);
    expect(waits[0]).to.equal(2000);
  });

  it('reports a callee still full after its retries as unavailable: a 503 to its caller, not a 502', async () => {
    const srv = await recordingServer((_req, res) => {
      res.writeHead(429, {'Content-Type': 'text/html'});
      res.end('<html>429</html>');
    });
    const error = await failure(
      client(srv.url).call(
        testContext(),
        {method: 'GET', path: ['orders']},
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(3);
    expect(error.failure).to.equal('unavailable');
    expect(toProblem(error).problem).to.include({
      status: 503,
      code: 'service-unavailable',
    });
  });

  it('gives up at once when Retry-After would outlast the request', async () => {
    const srv = await recordingServer((_req, res) => {
      res.writeHead(429, {'Retry-After': '60'});
      res.end();
    });
    const waits: number[] = [];
    const error = await failure(
      client(srv.url, {sleep: async ms => void waits.push(ms)}).call(
        testContext(),
        {method: 'GET', path: ['orders']},
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(1);
    expect(waits).to.deep.equal([]);
    expect(error.failure).to.equal('unavailable');
  });

  it('does not retry a client error, and keeps its problem code and detail', async () => {
    const srv = await recordingServer((_req, res) =>
      json(
        res,
        404,
        {
          code: 'order-not-found',
          detail: 'Order o1 not found.',
          errors: [{field: 'id', message: 'x'}],
        },
        'application/problem+json',
      ),
    );
    const error = await failure(
      client(srv.url).call(
        testContext(),
        {
          method: 'GET',
          path: ['orders', 'o1'],
        },
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(1);
    expect(error).to.include({failure: 'rejected', status: 404});
    expect(error.problem).to.deep.equal({
      code: 'order-not-found',
      detail: 'Order o1 not found.',
      errors: [{field: 'id', message: 'x'}],
    });
  });

  it("passes on a callee's own 429 at once, not retried, with its code and Retry-After", async () => {
    const srv = await recordingServer((_req, res) => {
      res.setHeader('Retry-After', '3');
      json(
        res,
        429,
        {code: 'orders-busy', detail: 'Try again shortly.'},
        'application/problem+json',
      );
    });
    const waits: number[] = [];
    const error = await failure(
      client(srv.url, {sleep: async ms => void waits.push(ms)}).call(
        testContext(),
        {
          method: 'POST',
          path: ['orders'],
          body: {a: 1},
          headers: {'idempotency-key': 'k1'},
        },
        ANY,
      ),
    );
    await srv.close();
    expect(srv.requests).to.have.length(1);
    expect(waits).to.deep.equal([]);
    expect(error).to.include({failure: 'rejected', status: 429});
    const {problem, headers} = toProblem(error);
    expect(problem).to.include({status: 429, code: 'orders-busy'});
    expect(headers).to.deep.equal({'Retry-After': '3'});
  });
});

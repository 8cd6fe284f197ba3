/**
 * ServiceClient's failures over real HTTP: each answer status read as its
 * failure, an answer that is not JSON, a callee not listening, one that
 * never answers, and a deadline already passed.
 */
import {expect} from 'chai';
import {testContext} from '../../../../fixtures/context';
import {json, recordingServer} from '../../../../fixtures/http-server';
import {ANY, client, failure} from '../../../../fixtures/service-client';
import {freePort} from '../../../../../local/processes';

describe('ServiceClient', () => {
  const statusCases: {
    name: string;
    status: number;
    body: unknown;
    failure: string;
  }[] = [
    {
      name: "a refusal of our own identity (401) is a failure, not the client's fault",
      status: 401,
      body: {detail: 'no'},
      failure: 'failed',
    },
    {
      name: 'a 403 from ingress (an HTML page) is a failure',
      status: 403,
      body: '<html>',
      failure: 'failed',
    },
    {
      name: 'a 500 is a failure',
      status: 500,
      body: {detail: 'boom'},
      failure: 'failed',
    },
    {
      name: 'a 4xx that is not our problem document is a failure',
      status: 400,
      body: 'nope',
      failure: 'failed',
    },
    {
      name: 'a 503 is unavailable',
      status: 503,
      body: {},
      failure: 'unavailable',
    },
    {name: 'a 504 is a timeout', status: 504, body: {}, failure: 'timeout'},
  ];
  statusCases.forEach(c =>
    it(c.name, async () => {
      const srv = await recordingServer((_req, res) =>
        json(res, c.status, c.body),
      );
      const error = await failure(
        client(srv.url, {retries: 0}).call(
          testContext(),
          {
            method: 'GET',
            path: ['x'],
          },
          ANY,
        ),
      );
      await srv.close();
      expect(error.failure).to.equal(c.failure);
      expect(error.message).not.to.contain('127.0.0.1');
    }),
  );

  it('treats a 200 that is not JSON as a failure', async () => {
    const srv = await recordingServer((_req, res) =>
      res.end('<html>ok</html>'),
    );
    const error = await failure(
      client(srv.url).call(testContext(), {method: 'GET', path: ['x']}, ANY),
    );
    await srv.close();
    expect(error.failure).to.equal('failed');
  });

  it('reports a function that is not listening as unavailable, after its retries', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    let sleeps = 0;
    const error = await failure(
      client(url, {sleep: async () => void sleeps++}).call(
        testContext(),
        {
          method: 'GET',
          path: ['x'],
        },
        ANY,
      ),
    );
    expect(error.failure).to.equal('unavailable');
    expect(sleeps).to.equal(2);
  });

  it('times out a hop after its own timeout, without retrying', async () => {
    const srv = await recordingServer(() => undefined); // never answers
    const error = await failure(
      client(srv.url, {timeoutMs: 100}).call(
        testContext(),
        {
          method: 'GET',
          path: ['x'],
        },
        ANY,
      ),
    );
    await srv.close();
    expect(error.failure).to.equal('timeout');
    expect(srv.requests).to.have.length(1);
  });

  it('does not start a call once the deadline has passed', async () => {
    const srv = await recordingServer((_req, res) => json(res, 200, {}));
    const error = await failure(
      client(srv.url).call(
        testContext({deadline: Date.now() - 1}),
        {
          method: 'GET',
          path: ['x'],
        },
        ANY,
      ),
    );
    await srv.close();
    expect(error.failure).to.equal('timeout');
    expect(srv.requests).to.have.length(0);
  });
});

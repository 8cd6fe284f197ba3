/**
 * Without the tuning line (tuning/http-calls.ts), calls between functions
 * go through gaxios as it ships and keep their safety: an answer past
 * MAX_ANSWER_BYTES is a failed call, and a callee's 3xx is its answer,
 * never followed. Account lookups read their answers within the same limit.
 */
import {expect} from 'chai';
import type {ServerResponse} from 'node:http';
import {
  answerText,
  MAX_ANSWER_BYTES,
} from '../../../../../functions/common/platform/fetch';
import {
  chosenTransport,
  useTransport,
} from '../../../../../functions/common/calls/transport';
import {testContext} from '../../../../fixtures/context';
import {recordingServer} from '../../../../fixtures/http-server';
import {rejectionOf} from '../../../../fixtures/rejection';
import {ANY, client, failure} from '../../../../fixtures/service-client';

/** Sends a JSON string one byte longer than MAX_ANSWER_BYTES, declared or streamed. */
function huge(res: ServerResponse, declared: boolean): void {
  const body = `"${'x'.repeat(MAX_ANSWER_BYTES - 1)}"`;
  res.writeHead(200, {
    'content-type': 'application/json',
    ...(declared ? {'content-length': String(body.length)} : {}),
  });
  res.end(body);
}

describe('platform/fetch (gaxios as it ships, and fetch, within the limits)', () => {
  let tuned: ReturnType<typeof chosenTransport>;
  before(() => {
    tuned = chosenTransport();
    useTransport(undefined);
  });
  after(() => useTransport(tuned));

  for (const declared of [true, false])
    it(`fails a call whose answer passes the limit (${declared ? 'declared' : 'streamed'})`, async () => {
      const srv = await recordingServer((_req, res) => huge(res, declared));
      const error = await failure(
        client(srv.url, {retries: 0}).call(
          testContext(),
          {method: 'GET', path: ['x']},
          ANY,
        ),
      );
      await srv.close();
      expect(error.failure).to.equal('failed');
    });

  it("takes a callee's 3xx as its answer and follows it nowhere", async () => {
    const elsewhere = await recordingServer((_req, res) => res.end('{}'));
    const srv = await recordingServer((_req, res) => {
      res.writeHead(302, {location: `${elsewhere.url}/x`});
      res.end();
    });
    const error = await failure(
      client(srv.url, {retries: 0}).call(
        testContext(),
        {method: 'GET', path: ['x']},
        ANY,
      ),
    );
    await srv.close();
    await elsewhere.close();
    expect(error.failure).to.equal('failed');
    expect(elsewhere.requests).to.have.length(0);
  });

  it('reads an answer up to the limit, and no further', async () => {
    for (const declared of [true, false]) {
      const srv = await recordingServer((_req, res) => huge(res, declared));
      const error = await rejectionOf(answerText(await fetch(srv.url)), Error);
      await srv.close();
      expect((error as NodeJS.ErrnoException).code).to.equal(
        'ERESPONSETOOLARGE',
      );
    }
    const small = await recordingServer((_req, res) => res.end('"ok"'));
    expect(await answerText(await fetch(small.url))).to.equal('"ok"');
    await small.close();
  });
});

/**
 * The service client's decisions over a fake transport, attempt by attempt:
 * the backoff, what each attempt records and where it goes, when it is
 * abandoned or never started, its connections, and a call it cannot sign.
 */
import {expect} from 'chai';
import type {CallTransport} from '../../../../../functions/common/calls/transport';
import * as http from 'node:http';
import * as https from 'node:https';
import * as sinon from 'sinon';
import {DownstreamError} from '../../../../../functions/common/protocol/problem';
import {
  keepAliveAgent,
  ServiceClient,
} from '../../../../../functions/common/calls/service-client';
import {recordingTracing, testContext} from '../../../../fixtures/context';
import {rejectionOf} from '../../../../fixtures/rejection';
import {
  answer,
  ANY,
  clientWith,
  fakeTransport,
  GET,
  ok,
  withCode,
} from '../../../../fixtures/service-client';

describe('ServiceClient, decision by decision', () => {
  afterEach(() => sinon.restore());

  it('backs off exponentially with jitter, and not past the deadline', async () => {
    sinon.stub(Math, 'random').returns(0.5);
    const sleeps: number[] = [];
    const {transport} = fakeTransport(answer(503));
    await rejectionOf(
      clientWith(transport, sleeps).call(testContext(), GET, ANY),
      DownstreamError,
    );
    expect(sleeps).to.deep.equal([62.5, 125]);

    // 100 ms left: the first backoff fits, the second would outlast the request.
    const short: number[] = [];
    const again = fakeTransport(answer(503));
    await rejectionOf(
      clientWith(again.transport, short).call(
        testContext({deadline: Date.now() + 100}),
        GET,
        ANY,
      ),
      DownstreamError,
    );
    expect([short, again.requests.length]).to.deep.equal([[62.5], 2]);
  });

  it('records each attempt as a span with its outcome', async () => {
    const {transport} = fakeTransport(answer(503), withCode('ECONNRESET'), ok);
    const tracing = recordingTracing();
    await clientWith(transport).call(testContext({}, tracing), GET, ANY);
    expect(
      tracing.exporter
        .getFinishedSpans()
        .map(s => [
          s.name,
          s.attributes['error.type'] ?? 'ok',
          s.attributes['http.response.status_code'],
          s.attributes['http.request.resend_count'],
        ]),
    ).to.deep.equal([
      ['GET user', 'unavailable', 503, undefined],
      ['GET user', 'unavailable', undefined, 1],
      ['GET user', 'ok', 200, 2],
    ]);
  });

  it('calls the base URL without its trailing slashes, asks gaxios for one attempt, and uses the base URL as audience', async () => {
    const {transport, requests} = fakeTransport(ok);
    await clientWith(transport).call(testContext(), GET, ANY);
    const [req] = requests;
    expect(req.url).to.equal('http://user.test/users/u1');
    expect(req.retry).to.equal(false);
    const headers = req.headers as Record<string, string>;
    expect(headers['x-serverless-authorization']).to.equal(
      'Bearer for-http://user.test',
    );
    // No end user on this request: nothing in Authorization.
    expect(headers).not.to.have.property('authorization');
  });

  it('abandons an attempt at the request deadline when that comes before the hop timeout', async () => {
    const clock = sinon.useFakeTimers({now: 1_000_000});
    const requests: Record<string, unknown>[] = [];
    // Answers only when aborted, as a callee that never answers.
    const transport = {
      request: (opts: {signal: AbortSignal}) => {
        requests.push(opts);
        return new Promise((_, reject) =>
          opts.signal.addEventListener('abort', () =>
            reject(new Error('aborted')),
          ),
        );
      },
    } as unknown as CallTransport;
    let settled = false;
    const call = clientWith(transport) // its hop timeout: 2000 ms
      .call(testContext({deadline: 1_000_150}), GET, ANY)
      .finally(() => (settled = true));
    call.catch(() => undefined);
    await clock.tickAsync(149);
    expect(settled, 'still waiting before the deadline').to.equal(false);
    await clock.tickAsync(1);
    const e = await rejectionOf(call, DownstreamError);
    expect([e.failure, requests.length]).to.deep.equal(['timeout', 1]);
  });

  it('starts no call with no time left', async () => {
    sinon.useFakeTimers({now: 1_000_000});
    const {transport, requests} = fakeTransport(ok);
    const e = await rejectionOf(
      clientWith(transport).call(testContext({deadline: 1_000_000}), GET, ANY),
      DownstreamError,
    );
    expect([e.failure, requests.length]).to.deep.equal(['timeout', 0]);
  });

  it('keeps connections alive, over http and https alike', () => {
    const plain = keepAliveAgent(new URL('http://x.test'));
    const secure = keepAliveAgent(new URL('https://x.test'));
    expect(plain).to.be.instanceOf(http.Agent).and.not.instanceOf(https.Agent);
    expect(secure).to.be.instanceOf(https.Agent);
    for (const agent of [plain, secure])
      expect((agent as unknown as {keepAlive: boolean}).keepAlive).to.equal(
        true,
      );
  });

  it('fails a call it cannot sign, without sending it', async () => {
    const {transport, requests} = fakeTransport(ok);
    const client = new ServiceClient({
      service: 'user',
      baseUrl: 'http://user.test',
      tokens: {
        authorization: async () => {
          throw new Error('no metadata server');
        },
      },
      timeoutMs: 2000,
      retries: 2,
      transport,
    });
    const e = await rejectionOf(
      client.call(testContext(), GET, ANY),
      DownstreamError,
    );
    expect([e.failure, requests.length]).to.deep.equal(['failed', 0]);
    expect((e.cause as Error).message).to.equal('no metadata server');
  });
});

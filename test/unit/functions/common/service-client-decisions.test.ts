/**
 * The service client's decisions, one by one, over a fake transport: which
 * failures are retried and how often, how answers are classified, what of a
 * problem document is kept, the backoff, and what each attempt records.
 */
import {expect} from 'chai';
import {z} from 'zod';
import type {Gaxios} from 'gaxios';
import * as http from 'node:http';
import * as https from 'node:https';
import * as sinon from 'sinon';
import {DownstreamError} from '../../../../functions/common/problem';
import {
  keepAliveAgent,
  ServiceClient,
  type Call,
} from '../../../../functions/common/service-client';
import {recordingTracing, testContext} from '../../../fixtures/context';
import {rejectionOf} from '../../../fixtures/rejection';

/** These tests are about the transport: any answer body passes. */
const ANY = z.unknown();

type Answer = {status: number; data: string} | Error;

/** A transport that gives `answers` in turn (the last one from then on) and records each request. */
function fakeTransport(...answers: Answer[]) {
  const requests: Record<string, unknown>[] = [];
  const transport = {
    request: async (opts: Record<string, unknown>) => {
      const answer = answers[Math.min(requests.length, answers.length - 1)];
      requests.push(opts);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as Gaxios;
  return {transport, requests};
}

const withCode = (code: string, onCause = false) =>
  Object.assign(
    new Error('request failed'),
    onCause ? {cause: {code}} : {code},
  );
const ok = {status: 200, data: '{"ok":true}'};
const answer = (status: number, body: unknown = {}) => ({
  status,
  data: body === undefined ? '' : JSON.stringify(body),
});

function clientWith(transport: Gaxios, sleeps: number[] = []) {
  return new ServiceClient({
    service: 'user',
    baseUrl: 'http://user.test//',
    tokens: {authorization: async aud => `Bearer for-${aud}`},
    timeoutMs: 2000,
    retries: 2,
    transport,
    sleep: async ms => void sleeps.push(ms),
  });
}

const GET: Call = {method: 'GET', path: ['users', 'u1']};

describe('ServiceClient, decision by decision', () => {
  afterEach(() => sinon.restore());

  const connectionErrors = [
    'ECONNREFUSED',
    'ECONNRESET',
    'EPIPE',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
  ];
  connectionErrors.forEach(code =>
    it(`retries ${code} (no answer) and reports the function unavailable`, async () => {
      const {transport, requests} = fakeTransport(withCode(code));
      const e = await rejectionOf(
        clientWith(transport).call(testContext(), GET, ANY),
        DownstreamError,
      );
      expect([e.failure, e.status, requests.length]).to.deep.equal([
        'unavailable',
        undefined,
        3,
      ]);
    }),
  );

  it('finds the error code on the cause, where gaxios puts it', async () => {
    const {transport, requests} = fakeTransport(
      withCode('ECONNRESET', true),
      ok,
    );
    const reply = await clientWith(transport).call(testContext(), GET, ANY);
    expect([reply.status, requests.length]).to.deep.equal([200, 2]);
  });

  it('does not retry an error it does not know, or one without a code', async () => {
    for (const error of [withCode('EPROTO'), new Error('odd')]) {
      const {transport, requests} = fakeTransport(error);
      const e = await rejectionOf(
        clientWith(transport).call(testContext(), GET, ANY),
        DownstreamError,
      );
      expect([e.failure, requests.length]).to.deep.equal(['failed', 1]);
    }
  });

  const methods: [Call, number][] = [
    [{method: 'GET', path: ['x']}, 3],
    [{method: 'DELETE', path: ['x']}, 3],
    [{method: 'POST', path: ['x'], body: {}}, 1],
    [{method: 'PATCH', path: ['x'], body: {}}, 1],
    [
      {
        method: 'POST',
        path: ['x'],
        body: {},
        headers: {'idempotency-key': 'k'},
      },
      3,
    ],
  ];
  methods.forEach(([call, attempts]) =>
    it(`makes ${attempts} attempt(s) of a ${call.method}${call.headers ? ' with an Idempotency-Key' : ''} answered 503`, async () => {
      const {transport, requests} = fakeTransport(answer(503));
      await rejectionOf(
        clientWith(transport).call(testContext(), call, ANY),
        DownstreamError,
      );
      expect(requests.length).to.equal(attempts);
    }),
  );

  const statuses: [number, unknown, string, number][] = [
    [300, {ok: true}, 'failed', 1],
    [302, {detail: 'Moved.'}, 'failed', 1],
    [400, {detail: 'Bad.'}, 'rejected', 1],
    [400, {nodetail: true}, 'failed', 1],
    [401, {detail: 'No.'}, 'failed', 1],
    [403, {detail: 'No.'}, 'failed', 1],
    [404, {detail: 'Gone.'}, 'rejected', 1],
    [422, {detail: 'Other key.'}, 'rejected', 1],
    [500, {detail: 'Oops.'}, 'failed', 1],
    [502, {}, 'failed', 3],
    [503, {}, 'unavailable', 3],
    [504, {}, 'timeout', 3],
  ];
  statuses.forEach(([status, body, failure, attempts]) =>
    it(`reads ${status} ${JSON.stringify(body)} as ${failure}, after ${attempts} attempt(s)`, async () => {
      const {transport, requests} = fakeTransport(answer(status, body));
      const e = await rejectionOf(
        clientWith(transport).call(testContext(), GET, ANY),
        DownstreamError,
      );
      expect([e.failure, e.status, requests.length]).to.deep.equal([
        failure,
        status,
        attempts,
      ]);
    }),
  );

  it('keeps of a problem document only its code, detail and well-formed field errors', async () => {
    const {transport} = fakeTransport(
      answer(400, {
        code: 'invalid-request',
        detail: 'Bad.',
        errors: [
          {field: 'a', message: 'm'},
          {field: 1, message: 'm'},
          {field: 'b'},
          {message: 'm'},
          null,
        ],
        secret: 'internal',
      }),
    );
    const e = await rejectionOf(
      clientWith(transport).call(testContext(), GET, ANY),
      DownstreamError,
    );
    expect(e.problem).to.deep.equal({
      code: 'invalid-request',
      detail: 'Bad.',
      errors: [{field: 'a', message: 'm'}],
    });
  });

  it('relays no code that is not of our form', async () => {
    for (const code of ['Bad Code', 7, '', 'x'.repeat(65), '-x']) {
      const {transport} = fakeTransport(answer(404, {code, detail: 'd'}));
      const e = await rejectionOf(
        clientWith(transport).call(testContext(), GET, ANY),
        DownstreamError,
      );
      expect(e.problem, String(code)).to.deep.equal({
        code: undefined,
        detail: 'd',
        errors: undefined,
      });
    }
  });

  it('treats bodies that are not a problem document as no problem at all', async () => {
    for (const data of ['null', '"text"', '7', '', 'not json']) {
      const {transport} = fakeTransport({status: 400, data});
      const e = await rejectionOf(
        clientWith(transport).call(testContext(), GET, ANY),
        DownstreamError,
      );
      expect([e.failure, e.problem], data).to.deep.equal(['failed', undefined]);
    }
    const {transport} = fakeTransport(answer(400, {detail: 'd', errors: 'x'}));
    const e = await rejectionOf(
      clientWith(transport).call(testContext(), GET, ANY),
      DownstreamError,
    );
    expect(e.problem).to.deep.equal({
      code: undefined,
      detail: 'd',
      errors: undefined,
    });
  });

  it('fails a 2xx without a JSON body', async () => {
    for (const data of ['', 'not json']) {
      const {transport} = fakeTransport({status: 200, data});
      const e = await rejectionOf(
        clientWith(transport).call(testContext(), GET, ANY),
        DownstreamError,
      );
      expect([e.failure, e.status]).to.deep.equal(['failed', 200]);
    }
  });

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
        ]),
    ).to.deep.equal([
      ['GET user /users/u1', 'unavailable', 503],
      ['GET user /users/u1', 'unavailable', undefined],
      ['GET user /users/u1', 'ok', 200],
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
    } as unknown as Gaxios;
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

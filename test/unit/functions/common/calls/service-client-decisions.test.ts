/**
 * The service client's decisions, one by one, over a fake transport: which
 * failures are retried and how often, how answers are classified, and what
 * of a problem document is kept.
 */
import {expect} from 'chai';
import {DownstreamError} from '../../../../../functions/common/protocol/problem';
import type {Call} from '../../../../../functions/common/calls/service-client';
import {testContext} from '../../../../fixtures/context';
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
      const {transport} = fakeTransport({
        status: 400,
        data,
        headers: new Headers(),
      });
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
      const {transport} = fakeTransport({
        status: 200,
        data,
        headers: new Headers(),
      });
      const e = await rejectionOf(
        clientWith(transport).call(testContext(), GET, ANY),
        DownstreamError,
      );
      expect([e.failure, e.status]).to.deep.equal(['failed', 200]);
    }
  });
});

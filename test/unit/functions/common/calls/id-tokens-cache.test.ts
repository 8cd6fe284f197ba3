/**
 * When MetadataIdTokenSource fetches a token (a span of the request) and when
 * it uses the one its client holds (no span): the client's cache rule.
 */
import {SpanKind} from '@opentelemetry/api';
import {expect} from 'chai';
import type {GoogleAuth} from 'google-auth-library';
import * as sinon from 'sinon';
import {MetadataIdTokenSource} from '../../../../../functions/common/calls/id-tokens';
import {recordingTracing, testContext} from '../../../../fixtures/context';

const NOW = 1_800_000_000_000;
const THRESHOLD = 60_000;

interface Held {
  credentials?: {id_token?: string | null; expiry_date?: unknown};
  eagerRefreshThresholdMillis?: number;
}

/** A GoogleAuth whose one client holds `held` and counts its fetches. */
function authHolding(held: Held) {
  const counts = {fetches: 0};
  const auth = {
    async getIdTokenClient() {
      return {
        ...held,
        async getRequestHeaders() {
          counts.fetches++;
          return new Headers({authorization: 'Bearer t'});
        },
      };
    },
  } as unknown as GoogleAuth;
  return {auth, counts};
}

/** The spans one call for a token with a request as parent records. */
async function spansOf(held: Held): Promise<string[]> {
  const {auth} = authHolding(held);
  const tracing = recordingTracing();
  const value = await new MetadataIdTokenSource(auth).authorization(
    'https://order-x.a.run.app',
    testContext({}, tracing),
  );
  expect(value).to.equal('Bearer t');
  return tracing.exporter.getFinishedSpans().map(s => s.name);
}

const FETCH = ['token order-x.a.run.app'];

describe('MetadataIdTokenSource: a held token or a fetch', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({now: NOW, toFake: ['Date']});
  });
  afterEach(() => clock.restore());

  it('uses a token valid past the refresh threshold without a span', async () =>
    expect(
      await spansOf({
        credentials: {id_token: 't', expiry_date: NOW + THRESHOLD + 1},
        eagerRefreshThresholdMillis: THRESHOLD,
      }),
    ).to.deep.equal([]));

  it('fetches a token that expires at the threshold exactly', async () =>
    expect(
      await spansOf({
        credentials: {id_token: 't', expiry_date: NOW + THRESHOLD},
        eagerRefreshThresholdMillis: THRESHOLD,
      }),
    ).to.deep.equal(FETCH));

  it('without a threshold, uses a token until it expires', async () => {
    expect(
      await spansOf({credentials: {id_token: 't', expiry_date: NOW + 1}}),
    ).to.deep.equal([]);
    expect(
      await spansOf({credentials: {id_token: 't', expiry_date: NOW}}),
    ).to.deep.equal(FETCH);
  });

  for (const [what, held] of [
    ['no credentials', {}],
    ['no token', {credentials: {expiry_date: NOW + 3_600_000}}],
    [
      'a null token',
      {credentials: {id_token: null, expiry_date: NOW + 3_600_000}},
    ],
    ['no expiry', {credentials: {id_token: 't'}}],
    [
      'an expiry that is not a number',
      {credentials: {id_token: 't', expiry_date: String(NOW + 3_600_000)}},
    ],
  ] as [string, Held][])
    it(`fetches, as a client span, when the client holds ${what}`, async () => {
      const {auth} = authHolding(held);
      const tracing = recordingTracing();
      await new MetadataIdTokenSource(auth).authorization(
        'https://order-x.a.run.app',
        testContext({}, tracing),
      );
      const spans = tracing.exporter.getFinishedSpans();
      expect(spans.map(s => s.name)).to.deep.equal(FETCH);
      expect(spans[0].kind).to.equal(SpanKind.CLIENT);
    });

  it('fetches without a span when no request asks', async () => {
    const {auth, counts} = authHolding({});
    expect(
      await new MetadataIdTokenSource(auth).authorization('https://o.test'),
    ).to.equal('Bearer t');
    expect(counts.fetches).to.equal(1);
  });

  it('asks the client again once a fetch is over', async () => {
    const {auth, counts} = authHolding({});
    const source = new MetadataIdTokenSource(auth);
    await source.authorization('https://o.test');
    await source.authorization('https://o.test');
    expect(counts.fetches).to.equal(2);
  });
});

import {expect} from 'chai';
import type {GoogleAuth} from 'google-auth-library';
import {MetadataIdTokenSource} from '../../../../../functions/common/calls/id-tokens';
import {recordingTracing, testContext} from '../../../../fixtures/context';

/** A GoogleAuth stand-in that counts clients and token fetches. */
function fakeAuth() {
  const counts = {clients: 0, fetches: 0};
  let release: () => void = () => undefined;
  const gate = new Promise<void>(r => (release = r));
  const auth = {
    async getIdTokenClient(audience: string) {
      counts.clients++;
      return {
        async getRequestHeaders() {
          counts.fetches++;
          await gate;
          return new Headers({authorization: `Bearer token-for-${audience}`});
        },
      };
    },
  } as unknown as GoogleAuth;
  return {auth, counts, release: () => release()};
}

describe('MetadataIdTokenSource', () => {
  it('makes one client per audience and shares a fetch in flight', async () => {
    const {auth, counts, release} = fakeAuth();
    const source = new MetadataIdTokenSource(auth);
    const burst = Array.from({length: 20}, () =>
      source.authorization('http://order.test'),
    );
    const other = source.authorization('http://user.test');
    release();
    const values = await Promise.all([...burst, other]);
    expect(new Set(values.slice(0, 20))).to.deep.equal(
      new Set(['Bearer token-for-http://order.test']),
    );
    expect(values[20]).to.equal('Bearer token-for-http://user.test');
    expect(counts).to.deep.equal({clients: 2, fetches: 2});

    await source.authorization('http://order.test');
    expect(counts.clients).to.equal(2); // the client (and its token cache) is reused
  });

  it('forgets a failed client and a failed fetch, so the next call tries again', async () => {
    let failClient = true;
    let failFetch = true;
    let clients = 0;
    const auth = {
      async getIdTokenClient() {
        clients++;
        if (failClient) throw new Error('metadata server not up yet');
        return {
          async getRequestHeaders() {
            if (failFetch) throw new Error('fetch failed');
            return new Headers({authorization: 'Bearer t'});
          },
        };
      },
    } as unknown as GoogleAuth;
    const source = new MetadataIdTokenSource(auth);
    const aud = 'http://order.test';
    await source.authorization(aud).then(
      () => expect.fail('resolved'),
      (e: Error) => expect(e.message).to.equal('metadata server not up yet'),
    );
    failClient = false;
    await source.authorization(aud).then(
      () => expect.fail('resolved'),
      (e: Error) => expect(e.message).to.equal('fetch failed'),
    );
    failFetch = false;
    expect(await source.authorization(aud)).to.equal('Bearer t');
    expect(clients).to.equal(2);
  });

  it('refuses an answer without an Authorization header', async () => {
    const auth = {
      async getIdTokenClient() {
        return {getRequestHeaders: async () => new Headers()};
      },
    } as unknown as GoogleAuth;
    await new MetadataIdTokenSource(auth).authorization('http://x.test').then(
      () => expect.fail('resolved'),
      (e: Error) =>
        expect(e.message).to.equal(
          'google-auth-library returned no Authorization header',
        ),
    );
  });

  it('is a span of the request only when it fetches a token, named for the audience’s host', async () => {
    let token: {id_token?: string; expiry_date?: number} = {};
    const auth = {
      async getIdTokenClient() {
        const client = {
          credentials: token,
          eagerRefreshThresholdMillis: 60_000,
          async getRequestHeaders() {
            // A fetch, as IdTokenClient makes one when it holds no fresh token.
            token = {
              id_token: 'secret-id-token',
              expiry_date: Date.now() + 3_600_000,
            };
            client.credentials = token;
            return new Headers({authorization: 'Bearer secret-id-token'});
          },
        };
        return client;
      },
    } as unknown as GoogleAuth;
    const source = new MetadataIdTokenSource(auth);
    const tracing = recordingTracing();
    const ctx = testContext({}, tracing);
    await source.authorization('https://order-x.a.run.app', ctx);
    await source.authorization('https://order-x.a.run.app', ctx);
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans.map(s => s.name)).to.deep.equal(['token order-x.a.run.app']);
    expect(spans[0].parentSpanContext?.spanId).to.equal(
      ctx.span.spanContext().spanId,
    );
    expect(JSON.stringify(spans[0].attributes)).not.to.contain('secret');
  });
});

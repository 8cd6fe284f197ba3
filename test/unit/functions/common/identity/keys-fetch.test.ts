/**
 * The fetch of an issuer's keys, as the default client makes it: an
 * endpoint that redirects, or answers more than a key set, fails the check
 * with a 503 (credentials-unverifiable): the redirect is not followed, the
 * long answer not read.
 */
import {expect} from 'chai';
import {SignedTokens} from '../../../../../functions/common/identity/signed-tokens';
import {HttpError} from '../../../../../functions/common/protocol/problem';
import {recordingServer} from '../../../../fixtures/http-server';
import {rejectionOf} from '../../../../fixtures/rejection';

const b64 = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token whose header asks for a key: checking it fetches the keys first. */
const TOKEN = `${b64({alg: 'RS256', kid: 'k1'})}.${b64({sub: 'x'})}.c2ln`;

async function refusalWhenKeysAnswer(
  answer: (url: string) => {
    status: number;
    headers: Record<string, string>;
    body: string;
  },
): Promise<{error: HttpError; paths: string[]}> {
  const server = await recordingServer((_req, res) => {
    const {status, headers, body} = answer(server.url);
    res
      .writeHead(status, {
        ...headers,
        'content-length': Buffer.byteLength(body),
      })
      .end(body);
  });
  try {
    const tokens = new SignedTokens({
      issuer: 'https://issuer.test',
      audience: 'aud',
      certsUrl: `${server.url}/certs`,
    });
    const error = await rejectionOf(tokens.verify(TOKEN), HttpError);
    return {error, paths: server.requests.map(r => r.url)};
  } finally {
    await server.close();
  }
}

describe('the keys fetch (signed-tokens KEYS_FETCH)', () => {
  it('follows no redirect: the keys URL answers itself', async () => {
    const {error, paths} = await refusalWhenKeysAnswer(url => ({
      status: 302,
      headers: {location: `${url}/elsewhere`},
      body: '',
    }));
    expect([error.status, error.code]).to.deep.equal([
      503,
      'credentials-unverifiable',
    ]);
    expect(paths.every(p => p === '/certs')).to.equal(true);
  });

  it('refuses an answer that says it is larger than any key set', async () => {
    const {error} = await refusalWhenKeysAnswer(() => ({
      status: 200,
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({k1: 'x'.repeat(512 * 1024)}),
    }));
    expect([error.status, error.code]).to.deep.equal([
      503,
      'credentials-unverifiable',
    ]);
  });
});

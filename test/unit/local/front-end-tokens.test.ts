/**
 * The local front end's token check stands on its own: with the functions'
 * verifier broken to accept any token, a forged token still stops at the
 * front end, while the real user function behind it would have let it in;
 * and loading the front end loads none of the functions' auth code.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import type {Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import * as path from 'node:path';
import * as sinon from 'sinon';
import {TokenVerifier} from '../../../functions/common/identity/verifier';
import {parseConfig} from '../../../functions/common/platform/config';
import {create as createUser} from '../../../functions/user/index';
import {claimsFor, TokenSigner} from '../../../local/token-signer';
import {frontEndDoors, SELF} from '../../fixtures/front-end';
import {frameworkServer} from '../../fixtures/functions';

const b64url = (value: unknown) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

describe('the front end’s own token check', () => {
  const {door, bearer, logged, started} = frontEndDoors();

  describe('with the functions’ verifier accepting any token', () => {
    let fn: Server;
    let fnUrl: string;
    before(async () => {
      const {kit} = started();
      // The functions' check, broken: every token is the gateway's.
      sinon
        .stub(TokenVerifier.prototype, 'verify')
        .resolves(kit.accounts.gateway);
      fn = frameworkServer(
        createUser(
          parseConfig('user', {
            ...kit.inboundEnv(SELF, ['gateway']),
            TOKEN_CHECK: 'platform',
            CALLS: 'order',
            FIRESTORE_DATABASE: 'user-data',
            ORDER_URL: 'http://127.0.0.1:1',
          }),
        ),
      );
      await new Promise<void>(r => fn.listen(0, '127.0.0.1', r));
      fnUrl = `http://127.0.0.1:${(fn.address() as AddressInfo).port}`;
    });
    after(async () => {
      sinon.restore();
      fn.closeAllConnections();
      await new Promise(r => fn.close(r));
    });

    const forgeries: {name: string; token: () => string}[] = [
      {
        name: 'a token signed by a key the issuer never published, under its key id',
        token: () => {
          const {kit} = started();
          return new TokenSigner().sign(
            claimsFor(kit.info.issuer, kit.accounts.gateway, SELF),
            {kid: kit.identity.signer.keyId},
          );
        },
      },
      {
        name: 'a real token of another account with the gateway’s claims put in',
        token: () => {
          const {kit} = started();
          const [head, , signature] = kit.token('order', SELF).split('.');
          const claims = claimsFor(kit.info.issuer, kit.accounts.gateway, SELF);
          return `${head}.${b64url(claims)}.${signature}`;
        },
      },
      {
        name: 'an unsigned token (alg none)',
        token: () => {
          const {kit} = started();
          const claims = claimsFor(kit.info.issuer, kit.accounts.gateway, SELF);
          return `${b64url({alg: 'none', typ: 'JWT'})}.${b64url(claims)}.x`;
        },
      },
    ];
    forgeries.forEach(c =>
      it(`refuses ${c.name} with 401, which the function alone lets in`, async () => {
        const headers = {'X-Serverless-Authorization': `Bearer ${c.token()}`};
        // The function, reached without its front end, lets it in.
        const direct = await fetch(`${fnUrl}/`, {headers});
        expect(direct.status).to.equal(200);

        const inside = await door('vpc', {functionUrl: fnUrl});
        const res = await fetch(`${inside}/`, {headers});
        expect(res.status).to.equal(401);
        expect(res.headers.get('content-type')).to.match(/^text\/html/);
        expect(res.headers.get('www-authenticate')).to.match(
          /^Bearer error="invalid_token"/,
        );
        expect(logged).to.have.length(1);
        expect(logged[0]).to.include({
          component: 'front-end',
          caller: 'unverified',
        });
        expect(logged[0].httpRequest).to.include({status: 401});
        expect(JSON.stringify(logged)).not.to.match(/eyJ|Bearer /);
      }),
    );

    it('passes a real invoker’s token on to the function', async () => {
      const inside = await door('vpc', {functionUrl: fnUrl});
      const res = await fetch(`${inside}/`, {
        headers: {'X-Serverless-Authorization': bearer('gateway')},
      });
      expect(res.status).to.equal(200);
      expect(await res.json()).to.include({service: 'user'});
    });
  });

  it('answers 503 when the issuer’s certificates cannot be fetched', async () => {
    const inside = await door('vpc', {certsUrl: 'http://127.0.0.1:1/certs'});
    const seen = started().fn.requests.length;
    const res = await fetch(`${inside}/users`, {
      headers: {Authorization: bearer('gateway')},
    });
    expect(res.status).to.equal(503);
    expect(started().fn.requests.length).to.equal(seen);
  });

  it('loads none of the functions’ auth code', () => {
    // Compiled to build/test/unit/local: the front end is in build/local.
    const local = path.resolve(__dirname, '../../../local');
    const auth = path.resolve(local, '../functions/common/identity');
    const loaded = modulesRequiredBy(
      ['front-end', 'cloud-run', 'vpc-connector'].map(m =>
        path.join(local, `${m}.js`),
      ),
    );
    expect(loaded.length).to.be.above(5);
    expect(loaded.filter(m => m.startsWith(auth))).to.deep.equal([]);
  });
});

/**
 * The project's compiled modules `entries` require, and those they
 * require in turn: every relative require in their text, whether it runs
 * at load or later.
 */
function modulesRequiredBy(entries: string[]): string[] {
  const seen = new Set<string>();
  const next = [...entries];
  for (let file = next.pop(); file !== undefined; file = next.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, target] of text.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const resolved = path.resolve(path.dirname(file), target);
      next.push(resolved.endsWith('.js') ? resolved : `${resolved}.js`);
    }
  }
  return [...seen];
}

/**
 * The identity server with the real google-auth-library on both ends: tokens
 * fetched the way the functions fetch them (metadata server protocol), and
 * verified the way the functions verify them (certs URL).
 */
import {expect} from 'chai';
import {googleApiHeaders} from '../../../functions/common/identity/access-tokens';
import {ToolkitAccounts} from '../../../functions/common/identity/accounts';
import {MetadataIdTokenSource} from '../../../functions/common/calls/id-tokens';
import {TokenVerifier} from '../../../functions/common/identity/verifier';
import {
  IdentityServer,
  type IdentityInfo,
} from '../../../local/identity-server';

const ACCOUNTS = {
  gateway: 'gateway-fn@p.iam.gserviceaccount.com',
  user: 'user-fn@p.iam.gserviceaccount.com',
};
const AUDIENCE = 'http://127.0.0.1:1/order';

describe('IdentityServer', () => {
  const identity = new IdentityServer(ACCOUNTS, 'p');
  let info: IdentityInfo;
  // Taken in before(), not at load: the emulator's variables are set between.
  let savedProject: string | undefined;

  before(async () => {
    info = await identity.start();
    savedProject = process.env.GOOGLE_CLOUD_PROJECT;
    process.env.GOOGLE_CLOUD_PROJECT = 'p';
  });
  after(async () => {
    if (savedProject === undefined) delete process.env.GOOGLE_CLOUD_PROJECT;
    else process.env.GOOGLE_CLOUD_PROJECT = savedProject;
    await identity.stop();
  });

  function verifier(allowedCallers = [ACCOUNTS.gateway]) {
    return new TokenVerifier({
      mode: 'verify',
      audience: AUDIENCE,
      allowedCallers,
      issuer: info.issuer,
      certsUrl: info.certsUrl,
    });
  }

  it('issues tokens through google-auth-library that the verifier accepts', async () => {
    process.env.GCE_METADATA_HOST = info.hosts.gateway;
    const header = await new MetadataIdTokenSource().authorization(AUDIENCE);
    expect(header).to.match(/^Bearer ey/);
    expect(await verifier().authenticate(header)).to.equal(ACCOUNTS.gateway);
  });

  it('gives each port its own service account', async () => {
    process.env.GCE_METADATA_HOST = info.hosts.user;
    const header = await new MetadataIdTokenSource().authorization(AUDIENCE);
    expect(await verifier([ACCOUNTS.user]).authenticate(header)).to.equal(
      ACCOUNTS.user,
    );
    const refused = await verifier()
      .authenticate(header)
      .then(
        () => undefined,
        (e: {status: number}) => e.status,
      );
    expect(refused).to.equal(403);
  });

  it('is asked once per audience, however many calls are made', async () => {
    process.env.GCE_METADATA_HOST = info.hosts.gateway;
    const source = new MetadataIdTokenSource();
    const before = identity.issued.gateway;
    await Promise.all(
      Array.from({length: 25}, () => source.authorization(AUDIENCE)),
    );
    for (let i = 0; i < 25; i++) await source.authorization(AUDIENCE);
    expect(identity.issued.gateway - before).to.equal(1);
  });

  it('serves keys that verifiers cache', async () => {
    process.env.GCE_METADATA_HOST = info.hosts.gateway;
    const header = await new MetadataIdTokenSource().authorization(AUDIENCE);
    const v = verifier();
    const before = identity.certsServed;
    for (let i = 0; i < 10; i++) await v.authenticate(header);
    expect(identity.certsServed - before).to.equal(1);
  });

  it("gives each account an access token that reads end users' accounts and changes none", async () => {
    const seeded = new IdentityServer(ACCOUNTS, 'p', [
      {email: 'a@example.com', password: 'a-pw-123', uid: 'uid-a'},
    ]);
    const started = await seeded.start();
    try {
      process.env.GCE_METADATA_HOST = started.hosts.user;
      // The function's own client, with its default: the metadata server's token.
      const accounts = new ToolkitAccounts({
        projectId: 'p',
        baseUrl: started.endUsers.identityToolkit,
        maxAgeMs: 0,
      });
      expect(await accounts.account('uid-a')).to.deep.equal({
        disabled: false,
        claims: {},
      });
      expect(seeded.toolkit.lookups).to.equal(1);
      const write = await fetch(
        `${started.endUsers.identityToolkit}/v1/projects/p/accounts:update`,
        {
          method: 'POST',
          headers: {
            ...(await googleApiHeaders()()),
            'content-type': 'application/json',
          },
          body: JSON.stringify({localId: 'uid-a', disableUser: true}),
        },
      );
      expect(write.status).to.equal(403);
    } finally {
      await seeded.stop();
    }
  });

  it('refuses metadata requests without Metadata-Flavor: Google', async () => {
    const res = await fetch(
      `http://${info.hosts.gateway}/computeMetadata/v1/instance/service-accounts/default/identity?audience=x`,
    );
    expect(res.status).to.equal(403);
  });
});

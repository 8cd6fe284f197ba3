/**
 * deploy.sh on a fresh project, against a fake gcloud that records what it
 * does: Identity Platform, the APIs, the databases and their TTL policy,
 * one service account per function with its grants, in dependency order.
 */
import {expect} from 'chai';
import {freshDeployment, type FreshDeployment} from '../../fixtures/fake-cloud';
import {
  envOf,
  SA,
  startingWith,
  text,
  URL_OF,
} from '../../fixtures/gcloud-commands';

describe('deploy.sh and cleanup.sh (against a fake gcloud)', function () {
  this.timeout(120_000);
  let platform: FreshDeployment['platform'];
  let fresh: FreshDeployment['fresh'];
  let stop: FreshDeployment['stop'];
  after(() => stop?.());

  before(async () => {
    ({platform, fresh, stop} = await freshDeployment());
  });

  it('sets up Identity Platform with email/password sign-in, and an API key restricted to it', () => {
    const calls = platform.requests.map(r => `${r.method} ${r.url}`);
    expect(calls).to.deep.equal([
      'GET /admin/v2/projects/demo-project/config',
      'POST /v2/projects/demo-project/identityPlatform:initializeAuth',
      'PATCH /admin/v2/projects/demo-project/config?updateMask=signIn.email',
    ]);
    for (const r of platform.requests) {
      expect(r.headers.authorization).to.equal('Bearer fake-access-token');
      expect(r.headers['x-goog-user-project']).to.equal('demo-project');
    }
    expect(JSON.parse(platform.requests[2].body)).to.deep.equal({
      signIn: {email: {enabled: true, passwordRequired: true}},
    });
    const key = fresh.commands.filter(startingWith('services api-keys create'));
    expect(key).to.have.length(1);
    expect(key[0]).to.include.members([
      '--display-name=s2s-end-users',
      '--api-target=service=identitytoolkit.googleapis.com',
    ]);
    // The access token is never printed.
    expect(fresh.output).not.to.contain('fake-access-token');
  });

  it("sets Firestore's TTL policy on the idempotency keys' expireAt", () => {
    const ttl = fresh.commands.filter(
      startingWith('firestore fields ttls update expireAt'),
    );
    expect(ttl).to.have.length(1);
    expect(ttl[0]).to.include.members([
      '--collection-group=orderIdempotencyKeys',
      '--database=order-data',
      '--enable-ttl',
      '--project=demo-project',
    ]);
  });

  it('deploys a fresh project and prints the gateway URL and what to run next', () => {
    expect(fresh.status, fresh.output).to.equal(0);
    expect(fresh.output).to.contain(`Gateway: ${URL_OF('gateway')}`);
    expect(fresh.output).to.contain('./test.sh');
  });

  it('runs the steps in dependency order', () => {
    const at = (pattern: RegExp) => {
      const i = fresh.commands.findIndex(c => pattern.test(text(c)));
      expect(i, String(pattern)).to.be.at.least(0);
      return i;
    };
    const steps = [
      at(/^services enable/),
      at(/^firestore databases create/),
      at(/^iam service-accounts create gateway-fn/),
      at(/^projects add-iam-policy-binding/),
      at(/^compute networks vpc-access connectors create s2s-connector/),
      at(/^functions deploy order/),
      at(/^functions deploy user/),
      at(/^functions deploy gateway/),
    ];
    expect(steps).to.deep.equal([...steps].sort((a, b) => a - b));
  });

  it('enables the APIs it needs', () => {
    const enable = fresh.commands.find(startingWith('services enable'))!;
    for (const api of [
      'cloudfunctions',
      'run',
      'cloudbuild',
      'artifactregistry',
      'firestore',
      'vpcaccess',
      'iam',
      'telemetry',
      'cloudtrace',
    ]) {
      expect(enable).to.include(`${api}.googleapis.com`);
    }
  });

  it("lets each function's account write its traces to the Telemetry API, and tells the functions where", () => {
    const grants = fresh.commands
      .filter(startingWith('projects add-iam-policy-binding'))
      .filter(c => c.includes('--role=roles/telemetry.tracesWriter'));
    expect(
      grants.map(c => c.find(a => a.startsWith('--member='))).sort(),
    ).to.deep.equal(
      ['gateway', 'order', 'user'].map(
        fn => `--member=serviceAccount:${SA(fn)}`,
      ),
    );
    // On the project, unconditioned; gcloud asks for that to be said.
    for (const g of grants) expect(g).to.include('--condition=None');
    for (const fn of ['gateway', 'user', 'order'])
      expect(
        envOf(fresh.commands.find(startingWith(`functions deploy ${fn}`))!),
      ).to.include({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
          'https://telemetry.googleapis.com/v1/traces',
      });
  });

  it("lets each function's account read end users' accounts, for its admin routes' revocation check", () => {
    const grants = fresh.commands
      .filter(startingWith('projects add-iam-policy-binding'))
      .filter(c => c.includes('--role=roles/firebaseauth.viewer'));
    expect(
      grants.map(c => c.find(a => a.startsWith('--member='))).sort(),
    ).to.deep.equal(
      ['gateway', 'order', 'user'].map(
        fn => `--member=serviceAccount:${SA(fn)}`,
      ),
    );
    for (const g of grants) expect(g).to.include('--condition=None');
  });

  it("creates each data-keeping function's own database", () => {
    const created = fresh.commands
      .filter(startingWith('firestore databases create'))
      .map(c => c.find(a => a.startsWith('--database=')));
    expect(created).to.deep.equal([
      '--database=user-data',
      '--database=order-data',
    ]);
    for (const c of fresh.commands.filter(
      startingWith('firestore databases create'),
    ))
      expect(c).to.include.members([
        '--type=firestore-native',
        '--location=us-central1',
      ]);
  });

  it('creates one service account per function and gives user and order access each to its own database only', () => {
    const accounts = fresh.commands
      .filter(startingWith('iam service-accounts create'))
      .map(c => c[3]);
    expect(accounts).to.have.members(['gateway-fn', 'user-fn', 'order-fn']);
    const grants = fresh.commands
      .filter(startingWith('projects add-iam-policy-binding'))
      .filter(c => c.includes('--role=roles/datastore.user'));
    expect(
      grants.map(c => c.find(a => a.startsWith('--member='))).sort(),
    ).to.deep.equal([
      `--member=serviceAccount:${SA('order')}`,
      `--member=serviceAccount:${SA('user')}`,
    ]);
    for (const g of grants) expect(g).to.include('--role=roles/datastore.user');
    // No project-wide grant: each is conditioned on its own database.
    const conditionOf = (fn: string) =>
      grants
        .find(g => g.includes(`--member=serviceAccount:${SA(fn)}`))!
        .find(a => a.startsWith('--condition='));
    expect(conditionOf('user')).to.equal(
      '--condition=expression=resource.name == "projects/demo-project/databases/user-data",title=user-data only,description=The user function\'s own database',
    );
    expect(conditionOf('order')).to.contain(
      'expression=resource.name == "projects/demo-project/databases/order-data"',
    );
    for (const g of grants) expect(g).not.to.include('--condition=None');
  });
});

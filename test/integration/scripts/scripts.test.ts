/**
 * deploy.sh, cleanup.sh and test.sh, proven without a cloud account: the
 * scripts run against a fake gcloud that records what they do; every
 * recorded command is then replayed through the real gcloud, whose offline
 * argument parser must accept it (it may fail only for the missing account).
 */
import {expect} from 'chai';
import {spawn, spawnSync} from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {emulatorFirestore} from '../../../local/firestore-emulator';
import {loadSeed} from '../../../local/seed';
import {ROOT} from '../../../local/stack';
import {migrate} from '../../../scripts/migrate-data';
import {loadTopology} from '../../../scripts/topology';
import {uniqueProjectId} from '../../fixtures/emulator';
import {json, recordingServer, type Recorded} from '../../fixtures/http-server';
import {runProcess} from '../../fixtures/run-process';

const FAKE = path.join(ROOT, 'build', 'test', 'fixtures', 'fake-gcloud.js');
const URL_OF = (fn: string) => `https://${fn}-fakehash-uc.a.run.app`;
const SA = (fn: string) => `${fn}-fn@demo.iam.gserviceaccount.com`;

/** A fake gcloud with its own state; `run` runs a script with it first on PATH. */
function fakeCloud(baseEnv: () => Record<string, string> = () => ({})) {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-gcloud-'));
  const bin = path.join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    path.join(bin, 'gcloud'),
    `#!/bin/sh\nexec "${process.execPath}" "${FAKE}" "$@"\n`,
  );
  chmodSync(path.join(bin, 'gcloud'), 0o755);
  const logFile = path.join(dir, 'log.jsonl');
  writeFileSync(logFile, '');
  let seen = 0;
  return {
    dir,
    /** Runs a script; returns its output and the gcloud commands it ran. */
    run(script: string, args: string[] = [], env: Record<string, string> = {}) {
      const result = spawnSync('bash', [path.join(ROOT, script), ...args], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          FAKE_GCLOUD_DIR: dir,
          PROJECT_ID: 'demo',
          ...baseEnv(),
          ...env,
        },
      });
      const all = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(l => JSON.parse(l) as string[]);
      const commands = all.slice(seen);
      seen = all.length;
      return {
        status: result.status,
        output: result.stdout + result.stderr,
        commands,
      };
    },
    remove: () => rmSync(dir, {recursive: true, force: true}),
  };
}

const text = (argv: string[]) => argv.join(' ');
/** Whether a recorded command begins with `prefix` (e.g. "functions deploy user"). */
const startingWith = (prefix: string) => (argv: string[]) =>
  text(argv).startsWith(prefix);
const isMutation = (argv: string[]) =>
  /^(services enable|services api-keys (create|delete)|firestore fields ttls update|firestore databases (create|delete)|iam service-accounts (create|delete)|projects (add|remove)-iam-policy-binding|compute networks vpc-access connectors (create|delete)|functions (deploy|delete|add-invoker-policy-binding)|run services update)/.test(
    argv.filter(a => !a.startsWith('-')).join(' '),
  );
const CREATES = /create|add-.*binding|run services update/;

function envOf(deploy: string[]): Record<string, string> {
  const raw = deploy
    .find(a => a.startsWith('--set-env-vars='))!
    .slice('--set-env-vars='.length);
  expect(raw.startsWith('^;^')).to.equal(true);
  return Object.fromEntries(
    raw
      .slice(3)
      .split(';')
      .map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/**
 * Identity Platform's admin API as deploy.sh uses it (gcloud has no commands
 * for it): test/fixtures/identity-platform.ts, in a process of its own.
 */
async function identityPlatform() {
  const dir = mkdtempSync(path.join(tmpdir(), 'identity-platform-'));
  const log = path.join(dir, 'requests.jsonl');
  writeFileSync(log, '');
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'build', 'test', 'fixtures', 'identity-platform.js'), dir],
    {stdio: ['ignore', 'pipe', 'inherit']},
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('error', reject);
  });
  return {
    url,
    /** Every request so far, in order. */
    get requests(): Recorded[] {
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(l => JSON.parse(l) as Recorded);
    },
    close: async () => {
      child.kill();
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

describe('deploy.sh and cleanup.sh (against a fake gcloud)', function () {
  this.timeout(120_000);
  let platform: Awaited<ReturnType<typeof identityPlatform>>;
  const cloud = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
  const recorded: string[][] = [];
  let fresh: ReturnType<typeof cloud.run>;
  after(async () => {
    cloud.remove();
    await platform.close();
  });

  before(async () => {
    platform = await identityPlatform();
    fresh = cloud.run('deploy.sh');
    recorded.push(...fresh.commands);
  });

  it('sets up Identity Platform with email/password sign-in, and an API key restricted to it', () => {
    const calls = platform.requests.map(r => `${r.method} ${r.url}`);
    expect(calls).to.deep.equal([
      'GET /admin/v2/projects/demo/config',
      'POST /v2/projects/demo/identityPlatform:initializeAuth',
      'PATCH /admin/v2/projects/demo/config?updateMask=signIn.email',
    ]);
    for (const r of platform.requests) {
      expect(r.headers.authorization).to.equal('Bearer fake-access-token');
      expect(r.headers['x-goog-user-project']).to.equal('demo');
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
      '--project=demo',
    ]);
  });

  it('passes every function the issuer and audience of end users, checks on', () => {
    for (const fn of ['gateway', 'user', 'order']) {
      const deploy = fresh.commands.find(
        startingWith(`functions deploy ${fn}`),
      )!;
      expect(envOf(deploy), fn).to.include({
        END_USER_AUTH: 'on',
        END_USER_ISSUER: 'https://securetoken.google.com/demo',
        END_USER_AUDIENCE: 'demo',
      });
    }
  });

  it('with END_USER_AUTH=off, warns loudly, sets up no Identity Platform, and turns the checks off', async () => {
    const open = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
    const before = platform.requests.length;
    const result = open.run('deploy.sh', [], {END_USER_AUTH: 'off'});
    open.remove();
    expect(result.status, result.output).to.equal(0);
    expect(result.output).to.match(
      /WARNING: END_USER_AUTH=off: the functions check no end user/,
    );
    expect(platform.requests.length).to.equal(before);
    expect(result.commands.map(text).join('\n')).not.to.contain('api-keys');
    for (const fn of ['gateway', 'user', 'order']) {
      const deploy = result.commands.find(
        startingWith(`functions deploy ${fn}`),
      )!;
      expect(envOf(deploy).END_USER_AUTH, fn).to.equal('off');
    }
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
      .filter(c => !c.includes('--role=roles/telemetry.tracesWriter'));
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
      '--condition=expression=resource.name == "projects/demo/databases/user-data",title=user-data only,description=The user function\'s own database',
    );
    expect(conditionOf('order')).to.contain(
      'expression=resource.name == "projects/demo/databases/order-data"',
    );
    for (const g of grants) expect(g).not.to.include('--condition=None');
  });

  it('moves an earlier deployment off its project-wide Firestore grants', () => {
    const earlier = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
    // What deploy.sh granted before each function had a database of its own.
    writeFileSync(
      path.join(earlier.dir, 'state.json'),
      JSON.stringify([
        `roles/datastore.user:serviceAccount:${SA('user')}:none`,
        `roles/datastore.user:serviceAccount:${SA('order')}:none`,
      ]),
    );
    const result = earlier.run('deploy.sh');
    earlier.remove();
    recorded.push(...result.commands);
    expect(result.status, result.output).to.equal(0);
    const removed = result.commands
      .filter(startingWith('projects remove-iam-policy-binding'))
      .map(text);
    expect(removed).to.deep.equal(
      ['user', 'order'].map(
        fn =>
          `projects remove-iam-policy-binding demo --member=serviceAccount:${SA(fn)} --role=roles/datastore.user --condition=None`,
      ),
    );
    // Only once the functions run on their own databases: until then the
    // instances serving from (default) need the old grants.
    const texts = result.commands.map(text);
    const lastDeploy = Math.max(
      ...texts.flatMap((t, i) => (t.startsWith('functions deploy') ? [i] : [])),
    );
    expect(
      texts.findIndex(t => t.startsWith('projects remove-iam-policy-binding')),
    ).to.be.greaterThan(lastDeploy);
  });

  const expected: Record<
    string,
    {flags: string[]; absent: string[]; env: Record<string, string>}
  > = {
    order: {
      flags: [
        '--ingress-settings=internal-only',
        '--no-allow-unauthenticated',
        `--service-account=${SA('order')}`,
        '--max-instances=30',
        '--concurrency=80',
        '--cpu=1',
        '--memory=512Mi',
        '--timeout=30s',
      ],
      absent: [
        '--allow-unauthenticated',
        '--vpc-connector=s2s-connector',
        '--egress-settings=all',
      ],
      env: {
        TOKEN_CHECK: 'platform',
        ALLOWED_CALLERS: `${SA('gateway')},${SA('user')}`,
        GOOGLE_CLOUD_PROJECT: 'demo',
      },
    },
    user: {
      flags: [
        '--ingress-settings=internal-only',
        '--no-allow-unauthenticated',
        `--service-account=${SA('user')}`,
        '--vpc-connector=s2s-connector',
        '--egress-settings=all',
        '--max-instances=10',
        '--concurrency=80',
      ],
      absent: ['--allow-unauthenticated'],
      env: {
        TOKEN_CHECK: 'platform',
        ALLOWED_CALLERS: SA('gateway'),
        CALLS: 'order',
        ORDER_URL: URL_OF('order'),
        GOOGLE_CLOUD_PROJECT: 'demo',
      },
    },
    gateway: {
      flags: [
        '--ingress-settings=all',
        '--allow-unauthenticated',
        `--service-account=${SA('gateway')}`,
        '--vpc-connector=s2s-connector',
        '--egress-settings=all',
        '--max-instances=10',
        '--timeout=30s',
      ],
      absent: ['--no-allow-unauthenticated'],
      env: {
        ALLOWED_CALLERS: 'anyone',
        CALLS: 'user,order',
        USER_URL: URL_OF('user'),
        ORDER_URL: URL_OF('order'),
        GOOGLE_CLOUD_PROJECT: 'demo',
      },
    },
  };
  Object.entries(expected).forEach(([fn, want]) =>
    it(`deploys ${fn} with its ingress, identity, network, resources and env`, () => {
      const deploy = fresh.commands.find(
        startingWith(`functions deploy ${fn}`),
      )!;
      expect(deploy).to.include.members([
        '--gen2',
        '--runtime=nodejs24',
        '--trigger-http',
        `--entry-point=${fn}`,
        '--source=.',
        '--region=us-central1',
        '--project=demo',
        ...want.flags,
      ]);
      for (const flag of want.absent) expect(deploy).not.to.include(flag);
      expect(envOf(deploy)).to.include(want.env);
      if (fn === 'gateway') {
        expect(envOf(deploy)).not.to.have.property('TOKEN_CHECK');
        expect(envOf(deploy)).not.to.have.property('SELF_URL');
      }
    }),
  );

  it("sets each internal function's own URL as its audience once it is known", () => {
    for (const fn of ['order', 'user']) {
      const update = fresh.commands.find(
        startingWith(`run services update ${fn}`),
      );
      expect(update, fn).to.include(`--update-env-vars=SELF_URL=${URL_OF(fn)}`);
    }
  });

  it('grants run.invoker on exactly the three allowed edges, each after its callee exists', () => {
    const bindings = fresh.commands
      .map((c, i) => ({c, i}))
      .filter(({c}) =>
        text(c).startsWith('functions add-invoker-policy-binding'),
      );
    const edges = bindings.map(
      ({c}) =>
        `${c.find(a => a.startsWith('--member='))!.replace(/^--member=serviceAccount:|-fn@.*$/g, '')} -> ${c[2]}`,
    );
    expect(edges.sort()).to.deep.equal([
      'gateway -> order',
      'gateway -> user',
      'user -> order',
    ]);
    for (const {c, i} of bindings) {
      const deployed = fresh.commands.findIndex(d =>
        text(d).startsWith(`functions deploy ${c[2]}`),
      );
      expect(deployed).to.be.below(i);
    }
  });

  it('creates nothing on a second run, passes the known URLs, and succeeds', () => {
    const calls = platform.requests.length;
    const second = cloud.run('deploy.sh');
    // Identity Platform is there: its sign-in setting is only set again.
    expect(
      platform.requests.slice(calls).map(r => `${r.method} ${r.url}`),
    ).to.deep.equal([
      'GET /admin/v2/projects/demo/config',
      'PATCH /admin/v2/projects/demo/config?updateMask=signIn.email',
    ]);
    recorded.push(...second.commands);
    expect(second.status, second.output).to.equal(0);
    expect(
      second.commands.filter(c => CREATES.test(text(c))).map(text),
    ).to.deep.equal([]);
    const order = second.commands.find(startingWith('functions deploy order'))!;
    expect(envOf(order).SELF_URL).to.equal(URL_OF('order'));
  });

  it('says when gcloud has no active account: a dry run warns and goes on, a real one stops before any change', () => {
    for (const script of ['deploy.sh', 'cleanup.sh']) {
      const cloud = fakeCloud();
      writeFileSync(path.join(cloud.dir, 'no-account'), '');
      const dry = cloud.run(script, ['--dry-run']);
      expect(dry.status, dry.output).to.equal(0);
      expect(dry.output).to.contain(
        "WARNING: gcloud has no active account: a real run would stop here (run 'gcloud auth login' first).",
      );
      const real = cloud.run(
        script,
        ['--yes'].filter(() => script === 'cleanup.sh'),
      );
      cloud.remove();
      expect(real.status).to.equal(1);
      expect(real.output).to.contain(
        "gcloud has no active account: run 'gcloud auth login' first.",
      );
      expect(real.commands.map(c => c.join(' '))).to.deep.equal([
        'config get-value account',
      ]);
    }
  });

  it('prints, with --dry-run, the commands a fresh deploy runs, in order, and runs none', () => {
    const dry = fakeCloud();
    const result = dry.run('deploy.sh', ['--dry-run']);
    dry.remove();
    expect(result.status, result.output).to.equal(0);
    // Only whether gcloud has an active account, which it reads.
    expect(result.commands.map(c => c.join(' '))).to.deep.equal([
      'config get-value account',
    ]);
    expect(result.output)
      .to.contain('Dry run: nothing was deployed.')
      .and.not.contain('Deployed.');
    const printed = result.output
      .split('\n')
      .filter(l => l.startsWith('gcloud '))
      .map(l =>
        l
          .split(' ')
          .filter(w => !w.startsWith('-'))
          .slice(1, 4)
          .join(' '),
      );
    const ran = fresh.commands.filter(isMutation).map(c =>
      c
        .filter(w => !w.startsWith('-'))
        .slice(0, 3)
        .join(' '),
    );
    expect(printed).to.deep.equal(ran);
    // Identity Platform's calls too, with a placeholder for the token, which
    // goes to curl on its standard input, never in its arguments.
    const curls = result.output
      .split('\n')
      .filter(l => l.startsWith('curl_bearer '));
    expect(curls).to.have.length(2);
    expect(curls[0]).to.match(/-X POST .*identityPlatform:initializeAuth$/);
    expect(curls[1]).to.match(/-X PATCH .*config\\\?updateMask=signIn\.email$/);
    for (const c of curls) {
      expect(c).to.match(/^curl_bearer ACCESS_TOKEN /);
      expect(c).not.to.contain('Authorization');
    }
  });

  it('takes the project from gcloud config and the region from REGION', () => {
    const other = fakeCloud(() => ({IDENTITY_TOOLKIT_URL: platform.url}));
    const result = other.run('deploy.sh', [], {
      PROJECT_ID: '',
      REGION: 'europe-west1',
    });
    other.remove();
    expect(result.status, result.output).to.equal(0);
    const deploy = result.commands.find(
      startingWith('functions deploy gateway'),
    )!;
    expect(deploy).to.include.members([
      '--project=fake-project',
      '--region=europe-west1',
    ]);
  });

  it('explains itself with --help and refuses unknown arguments', () => {
    const help = cloud.run('deploy.sh', ['--help']);
    expect(help.status).to.equal(0);
    expect(help.output)
      .to.match(/PROJECT_ID/)
      .and.match(/REGION/)
      .and.match(/--dry-run/);
    expect(help.commands).to.deep.equal([]);
    expect(cloud.run('deploy.sh', ['--force']).status).to.equal(2);
  });

  it('cleans up everything deploy.sh created, callers first, and keeps the data unless told', () => {
    const clean = cloud.run('cleanup.sh');
    recorded.push(...clean.commands);
    expect(clean.status, clean.output).to.equal(0);
    const mutations = clean.commands.filter(isMutation).map(c =>
      c
        .filter(w => !w.startsWith('-'))
        .slice(0, 4)
        .join(' '),
    );
    expect(mutations).to.deep.equal([
      'functions delete gateway',
      'functions delete user',
      'functions delete order',
      'projects remove-iam-policy-binding demo',
      'projects remove-iam-policy-binding demo',
      'projects remove-iam-policy-binding demo',
      'projects remove-iam-policy-binding demo',
      'projects remove-iam-policy-binding demo',
      `iam service-accounts delete ${SA('order')}`,
      `iam service-accounts delete ${SA('user')}`,
      `iam service-accounts delete ${SA('gateway')}`,
      'services api-keys delete projects/demo/locations/global/keys/fake-key',
      'compute networks vpc-access connectors',
    ]);
    const removed = clean.commands.filter(
      startingWith('projects remove-iam-policy-binding'),
    );
    // Each function's right to write traces.
    expect(
      removed
        .filter(c => c.includes('--role=roles/telemetry.tracesWriter'))
        .map(c => c.find(a => a.startsWith('--member=')))
        .sort(),
    ).to.deep.equal(
      ['gateway', 'order', 'user'].map(
        fn => `--member=serviceAccount:${SA(fn)}`,
      ),
    );
    // Each function's own conditional Firestore grant, and no other.
    for (const c of removed.filter(c =>
      c.includes('--role=roles/datastore.user'),
    ))
      expect(c.find(a => a.startsWith('--condition='))).to.match(
        /^--condition=expression=resource\.name == "projects\/demo\/databases\/(user|order)-data"/,
      );
    expect(clean.output).to.contain(
      'Keeping the databases user-data order-data and their documents (--yes deletes them)',
    );
  });

  it('cleans up idempotently, and deletes the databases only when told', () => {
    const again = cloud.run('cleanup.sh', ['--yes']);
    recorded.push(...again.commands);
    expect(again.status, again.output).to.equal(0);
    expect(again.commands.filter(isMutation).map(text)).to.deep.equal([
      'firestore databases delete --database=user-data --project=demo --quiet',
      'firestore databases delete --database=order-data --project=demo --quiet',
    ]);
    const third = cloud.run('cleanup.sh', ['--yes']);
    expect(third.commands.filter(isMutation)).to.deep.equal([]);
  });

  it('replays every recorded command through the real gcloud without a parse error', async function () {
    // A gcloud start per distinct command, four at a time: minutes on a
    // busy two-core machine.
    this.timeout(300_000);
    const which = spawnSync('sh', ['-c', 'command -v gcloud'], {
      encoding: 'utf8',
    });
    if (which.status !== 0) {
      console.log('      (gcloud is not installed: replay skipped)');
      this.skip();
    }
    const gcloud = which.stdout.trim();
    const config = mkdtempSync(path.join(tmpdir(), 'gcloud-config-'));
    const unique = [
      ...new Map(recorded.map(c => [JSON.stringify(c), c])).values(),
    ];
    const replay = (argv: string[]) =>
      new Promise<{argv: string[]; stderr: string}>(resolve => {
        const child = spawn(gcloud, argv, {
          env: {
            ...process.env,
            CLOUDSDK_CONFIG: config,
            CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
          },
        });
        let stderr = '';
        child.stderr.on('data', d => (stderr += d));
        child.stdout.resume();
        child.on('close', () => resolve({argv, stderr}));
      });
    const results: {argv: string[]; stderr: string}[] = [];
    for (let i = 0; i < unique.length; i += 4)
      results.push(...(await Promise.all(unique.slice(i, i + 4).map(replay))));
    rmSync(config, {recursive: true, force: true});
    // Reading gcloud's own configuration needs no account: it answers.
    const local = (argv: string[]) => argv[0] === 'config';
    const bad = results.filter(
      r =>
        (!local(r.argv) &&
          !/You do not currently have an active account selected/.test(
            r.stderr,
          )) ||
        /unrecognized arguments|Invalid choice|must be specified|argument --/.test(
          r.stderr,
        ),
    );
    expect(
      bad.map(r => `gcloud ${text(r.argv)}\n${r.stderr.split('\n')[0]}`),
    ).to.deep.equal([]);
    expect(unique.length).to.be.at.least(30);
  });
});

describe('the shell scripts', () => {
  it('pass shellcheck', function () {
    const which = spawnSync('sh', ['-c', 'command -v shellcheck']);
    if (which.status !== 0) {
      if (process.env.CI)
        throw new Error(
          'shellcheck is missing: .ci/run installs it (apt-get install shellcheck)',
        );
      console.log(
        '      (shellcheck is not installed: skipped; apt-get install shellcheck)',
      );
      this.skip();
    }
    const result = spawnSync(
      'shellcheck',
      [
        '-x',
        'deploy.sh',
        'test.sh',
        'cleanup.sh',
        'scripts/common.sh',
        'scripts/deploy-firestore.sh',
        'scripts/deploy-identity.sh',
        'scripts/deploy-functions.sh',
        'scripts/test-checks.sh',
        'scripts/test-routes.sh',
        'scripts/test-end-users.sh',
        'scripts/test-cleanup.sh',
        '.ci/run',
      ],
      {cwd: ROOT, encoding: 'utf8'},
    );
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.status).to.equal(0);
  });

  it('test.sh fails, naming each failed check, against a gateway that answers wrongly', async () => {
    const wrong = await recordingServer((_req, res) => json(res, 200, {}));
    // An internal function deployed with --ingress-settings=all: its own 403.
    const open = await recordingServer((_req, res) => json(res, 403, {}));
    const result = await runProcess(
      'bash',
      [path.join(ROOT, 'test.sh'), wrong.url],
      {
        ...process.env,
        USER_URL: open.url,
        ORDER_URL: wrong.url,
        IDENTITY_TOOLKIT_URL: wrong.url,
        API_KEY: 'key',
        ADMIN_ACCESS_TOKEN: 'token',
      },
    );
    await wrong.close();
    await open.close();
    expect(result.status).to.equal(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).to.include(
      'FAIL  user refuses a call from outside: 404, by ingress: got 403',
    );
    expect(lines.filter(l => l.startsWith('FAIL'))).to.have.length.at.least(8);
    expect(lines[lines.length - 1]).to.match(/^\d+ passed, \d+ failed$/);
  });
});

describe('moving the data of an earlier deployment, from (default) into each function’s database (against the emulator)', function () {
  this.timeout(120_000);
  const projectId = uniqueProjectId('migrate');
  // Read when used: the emulator's fixture sets it after this file loads.
  const host = () => process.env.FIRESTORE_EMULATOR_HOST!;
  const topology = loadTopology();
  const db = (database: string) =>
    emulatorFirestore(projectId, host(), database);
  const ids = async (database: string, collection: string) =>
    (await db(database).collection(collection).listDocuments())
      .map(d => d.id)
      .sort();

  before(async () => {
    // As an earlier deployment left it: everything in (default).
    const old = db('(default)');
    await loadSeed({users: old, orders: old});
    await old
      .collection('orderIdempotencyKeys')
      .doc('k1')
      .set({
        orderId: 'order-001',
        expireAt: new Date(Date.now() + 86_400_000),
      });
  });

  it('copies each collection into the database of the function that keeps it, once, from deploy.sh', async () => {
    const earlier = fakeCloud();
    writeFileSync(
      path.join(earlier.dir, 'state.json'),
      JSON.stringify(['database:(default)']),
    );
    const env = {
      PROJECT_ID: projectId,
      END_USER_AUTH: 'off',
      FIRESTORE_EMULATOR_HOST: host(),
    };
    const first = earlier.run('deploy.sh', [], env);
    expect(first.status, first.output).to.equal(0);
    expect(first.output).to.contain(
      'user-data: users 3 copied, 0 already there; userEmails 3 copied, 0 already there',
    );
    expect(first.output).to.contain(
      'order-data: orders 4 copied, 0 already there; orderIdempotencyKeys 1 copied, 0 already there',
    );
    // Before the functions are deployed on their databases.
    const texts = first.output.split('\n');
    expect(
      texts.findIndex(l => l.includes('user-data: users 3 copied')),
    ).to.be.lessThan(texts.findIndex(l => l.includes('Deploying order')));
    expect(await ids('user-data', 'users')).to.deep.equal([
      'user-001',
      'user-002',
      'user-003',
    ]);
    expect(await ids('order-data', 'orders')).to.have.length(4);
    expect(await ids('order-data', 'orderIdempotencyKeys')).to.deep.equal([
      'k1',
    ]);
    // Each database holds its own function's collections only.
    expect(await ids('user-data', 'orders')).to.deep.equal([]);
    expect(await ids('order-data', 'users')).to.deep.equal([]);
    // (default) keeps its data, and the record of what was copied.
    expect(await ids('(default)', 'users')).to.have.length(3);

    // A second deploy copies nothing, even what changed or was added since.
    await db('user-data')
      .collection('users')
      .doc('user-001')
      .update({name: 'Alice J.'});
    await db('(default)')
      .collection('users')
      .doc('user-009')
      .set({name: 'Late'});
    const second = earlier.run('deploy.sh', [], env);
    earlier.remove();
    expect(second.status, second.output).to.equal(0);
    expect(second.output).to.contain(
      'user-data: copied from (default) before; nothing to do',
    );
    expect(await ids('user-data', 'users')).not.to.include('user-009');
    expect(
      (await db('user-data').collection('users').doc('user-001').get()).get(
        'name',
      ),
    ).to.equal('Alice J.');
  });

  it('resumes a copy that stopped half-way, leaving what is already there as it is', async () => {
    const other = uniqueProjectId('migrate');
    const old = emulatorFirestore(other, host(), '(default)');
    await loadSeed({users: old, orders: old});
    // One user copied (and changed since) before the run stopped.
    await emulatorFirestore(other, host(), 'user-data')
      .collection('users')
      .doc('user-002')
      .set({name: 'Bob, changed'});
    const lines: string[] = [];
    await migrate({
      projectId: other,
      token: 'owner',
      topology,
      say: l => lines.push(l),
      // Two at a time: the three users take two pages.
      pageSize: 2,
    });
    expect(lines[0]).to.equal(
      'user-data: users 2 copied, 1 already there; userEmails 3 copied, 0 already there',
    );
    const bob = await emulatorFirestore(other, host(), 'user-data')
      .collection('users')
      .doc('user-002')
      .get();
    expect(bob.get('name')).to.equal('Bob, changed');
  });
});

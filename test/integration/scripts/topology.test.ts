/**
 * topology.json and what is derived from it: read as the project's own file
 * (its facts are spelled out here on purpose, so a change to it is a change
 * to these tests), and checked with broken copies.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ROOT} from '../../../local/stack';
import {
  functionEnv,
  loadTopology,
  parseTopology,
  readmeBlock,
  resourceFlags,
  TopologyError,
  withBlock,
} from '../../../scripts/topology';
import {parseConfig} from '../../../functions/common/config';

const raw = () =>
  JSON.parse(readFileSync(path.join(ROOT, 'topology.json'), 'utf8'));

describe('topology.json', () => {
  const topology = loadTopology();

  it('orders the functions callees first, for deploying', () => {
    expect(topology.functions.map(f => f.name)).to.deep.equal([
      'order',
      'user',
      'gateway',
    ]);
    expect(topology.declared.map(f => f.name)).to.deep.equal([
      'gateway',
      'user',
      'order',
    ]);
  });

  it('derives the invoker edges from what each function calls', () => {
    const invokers = Object.fromEntries(
      topology.declared.map(f => [f.name, f.invokers]),
    );
    expect(invokers).to.deep.equal({
      gateway: [],
      user: ['gateway'],
      order: ['gateway', 'user'],
    });
  });

  it('keeps the internal functions internal, authenticated, and the gateway public', () => {
    const shape = (name: string) => {
      const f = topology.get(name);
      return [f.ingress, f.allowUnauthenticated, f.vpcEgress];
    };
    expect(shape('gateway')).to.deep.equal(['all', true, true]);
    expect(shape('user')).to.deep.equal(['internal-only', false, true]);
    expect(shape('order')).to.deep.equal(['internal-only', false, false]);
  });

  it('gives an internal function its audience, its callers and the URLs it needs', () => {
    const urls = {user: 'https://u.test', order: 'https://o.test'};
    expect(
      functionEnv(topology, 'user', {projectId: 'demo', urls}),
    ).to.deep.equal({
      GOOGLE_CLOUD_PROJECT: 'demo',
      LOG_LEVEL: 'info',
      END_USER_AUTH: 'on',
      END_USER_ISSUER: 'https://securetoken.google.com/demo',
      END_USER_AUDIENCE: 'demo',
      ALLOWED_CALLERS: 'gateway-fn@demo.iam.gserviceaccount.com',
      TOKEN_CHECK: 'platform',
      SELF_URL: 'https://u.test',
      FIRESTORE_DATABASE: 'user-data',
      CALLS: 'order',
      ORDER_URL: 'https://o.test',
      NODE_COMPILE_CACHE: '.compile-cache',
      NODE_COMPILE_CACHE_PORTABLE: '1',
    });
    expect(
      functionEnv(topology, 'order', {
        projectId: 'demo',
        urls,
        tokenCheck: 'verify',
      }).ALLOWED_CALLERS,
    ).to.equal(
      'gateway-fn@demo.iam.gserviceaccount.com,user-fn@demo.iam.gserviceaccount.com',
    );
    expect(
      functionEnv(topology, 'gateway', {projectId: 'demo', urls}),
    ).to.deep.equal({
      GOOGLE_CLOUD_PROJECT: 'demo',
      LOG_LEVEL: 'info',
      END_USER_AUTH: 'on',
      END_USER_ISSUER: 'https://securetoken.google.com/demo',
      END_USER_AUDIENCE: 'demo',
      ALLOWED_CALLERS: 'anyone',
      CALLS: 'user,order',
      USER_URL: 'https://u.test',
      ORDER_URL: 'https://o.test',
      NODE_COMPILE_CACHE: '.compile-cache',
      NODE_COMPILE_CACHE_PORTABLE: '1',
    });
    expect(
      functionEnv(topology, 'gateway', {
        projectId: 'demo',
        urls,
        endUserAuth: 'off',
      }).END_USER_AUTH,
    ).to.equal('off');
    expect(() =>
      functionEnv(topology, 'gateway', {projectId: 'demo', urls: {}}),
    ).to.throw(/gateway needs the URL of user/);
  });

  it('names the URL of a callee as the function reads it, dashes and all', () => {
    const copy = raw();
    copy.functions['billing-v2'] = {
      ...copy.functions.order,
      entryPoint: 'billing',
      serviceAccount: 'billing-v2-fn',
      localPort: 8093,
    };
    delete copy.functions['billing-v2'].firestore;
    copy.functions.gateway.calls.push('billing-v2');
    const env = functionEnv(parseTopology(copy), 'gateway', {
      projectId: 'demo',
      urls: {
        user: 'https://u.test',
        order: 'https://o.test',
        'billing-v2': 'https://b.test',
      },
    });
    expect(env).to.include({
      CALLS: 'user,order,billing-v2',
      BILLING_V2_URL: 'https://b.test',
    });
    expect(parseConfig('gateway', env).calls).to.deep.equal({
      user: 'https://u.test',
      order: 'https://o.test',
      'billing-v2': 'https://b.test',
    });
  });

  it("turns each function's resources into gcloud flags", () => {
    expect(resourceFlags(topology.get('order'))).to.deep.equal([
      '--max-instances=30',
      '--concurrency=80',
      '--cpu=1',
      '--memory=512Mi',
      '--timeout=30s',
    ]);
  });

  it('gives the shell scripts the same topology, as bash declarations', () => {
    const result = spawnSync(
      'bash',
      [
        '-c',
        'eval "$(node scripts/topology.js shell)"; echo "${FUNCTIONS[*]}|${INVOKERS[order]}|${SERVICE_ACCOUNT_ID[user]}|${INGRESS[gateway]}|${COLLECTIONS[*]}"',
      ],
      {cwd: ROOT, encoding: 'utf8'},
    );
    expect(result.stderr).to.equal('');
    expect(result.stdout.trim()).to.equal(
      'order user gateway|gateway user|user-fn|all|users userEmails orders orderIdempotencyKeys openOrderCounts',
    );
  });

  it("matches the README's picture and table (npm run readme writes them)", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(withBlock(readme, readmeBlock(topology))).to.equal(readme);
    expect(readmeBlock(topology)).to.contain(
      '| `order` | `order-fn` | `internal-only` | gateway, user | nobody |',
    );
    expect(readmeBlock(topology)).to.contain(
      'user -->|ID token aud=order URL| order',
    );
  });

  it('is the only place outside tests and docs that names a service account', () => {
    const which = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], {
      cwd: ROOT,
    });
    if (which.status !== 0) return; // not a git checkout: nothing to grep
    for (const f of topology.declared) {
      const files = spawnSync(
        'git',
        [
          'grep',
          '-l',
          '-w',
          '-e',
          f.serviceAccount,
          '--',
          '.',
          ':!test',
          ':!*.md',
        ],
        {cwd: ROOT, encoding: 'utf8'},
      )
        .stdout.split('\n')
        .filter(Boolean);
      expect(files, f.serviceAccount).to.deep.equal(['topology.json']);
    }
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const broken: {name: string; change: (t: any) => void; problem: RegExp}[] = [
    {
      name: 'a call to a function that does not exist',
      change: t => t.functions.user.calls.push('billing'),
      problem: /user\.calls: names no function "billing"/,
    },
    {
      name: 'an unknown ingress',
      change: t => (t.functions.order.ingress = 'private'),
      problem: /order\.ingress: must be one of all, internal-only/,
    },
    {
      name: 'two functions under one service account',
      change: t => (t.functions.order.serviceAccount = 'user-fn'),
      problem: /serviceAccount: is also/,
    },
    {
      name: 'an environment variable the topology derives',
      change: t => (t.functions.user.env.ALLOWED_CALLERS = 'x@y'),
      problem: /user\.env\.ALLOWED_CALLERS: is derived from the topology/,
    },
    {
      name: "another function's URL set by hand",
      change: t => (t.functions.user.env.ORDER_URL = 'https://o.test'),
      problem: /user\.env\.ORDER_URL: is derived from the topology/,
    },
    {
      name: 'an environment value that is not a string',
      change: t => (t.functions.user.env.BILLING_URL = {urlOf: 'billing'}),
      problem: /user\.env\.BILLING_URL: must be a string/,
    },
    ...[
      ['END_USER_CERTS_URL', 'https://keys.evil.example/certs'],
      ['END_USER_ISSUER', 'https://evil.example'],
      ['END_USER_AUDIENCE', 'evil'],
      ['END_USER_AUTH', 'off'],
      ['TOKEN_CERTS_URL', 'https://keys.evil.example/certs'],
      ['TOKEN_ISSUER', 'https://evil.example'],
      ['EGRESS_PROXY', 'http://proxy.evil.example'],
      ['TOPOLOGY_FILE', '/tmp/other.json'],
      ['NODE_OPTIONS', '--require /tmp/x.js'],
      ['GCE_METADATA_HOST', '169.254.169.254'],
      ['FIRESTORE_EMULATOR_HOST', 'localhost:1'],
      ['K_SERVICE', 'user'],
      ['PORT', '1'],
    ].map(([key, value]) => ({
      name: `${key}, which decides trust, set by hand`,
      change: (t: {functions: Record<string, {env: Record<string, string>}>}) =>
        (t.functions.user.env[key] = value),
      problem: new RegExp(`user\\.env\\.${key}: `),
    })),
    {
      name: 'a value that would split into a second variable',
      change: t =>
        (t.functions.user.env.LOG_LEVEL = 'info;ALLOWED_CALLERS=anyone'),
      problem: /user\.env\.LOG_LEVEL: /,
    },
    {
      name: 'a value with a line break',
      change: t => (t.functions.user.env.LOG_LEVEL = 'info\nX=1'),
      problem: /user\.env\.LOG_LEVEL: /,
    },
    {
      name: 'a source folder outside the project',
      change: t => (t.functions.user.source = '../elsewhere'),
      problem: /user\.source: must be a folder of the project/,
    },
    {
      name: 'a cycle of calls, whose URLs cannot all exist first',
      change: t => t.functions.order.calls.push('user'),
      problem: /cycle .*user -> order -> user|cycle .*order -> user -> order/,
    },
    {
      name: 'a memory size gcloud does not take',
      change: t => (t.functions.gateway.resources.memory = '512MB'),
      problem: /gateway\.resources\.memory: must match/,
    },
    {
      name: 'a missing max-instances cap',
      change: t => delete t.functions.gateway.resources.maxInstances,
      problem:
        /gateway\.resources\.maxInstances: must be a positive whole number/,
    },
  ];
  broken.forEach(c =>
    it(`refuses ${c.name}`, () => {
      const copy = raw();
      c.change(copy);
      expect(() => parseTopology(copy))
        .to.throw(TopologyError)
        .with.property('message')
        .that.matches(c.problem);
    }),
  );

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const refusedRaw: [string, (t: any) => void, RegExp][] = [
    [
      'a function named __proto__',
      t =>
        Object.defineProperty(t.functions, '__proto__', {
          value: t.functions.user,
          enumerable: true,
        }),
      /__proto__: must be a lowercase name/,
    ],
    [
      'a variable named __proto__',
      t =>
        Object.defineProperty(t.functions.user.env, '__proto__', {
          value: 'x',
          enumerable: true,
        }),
      /user\.env\.__proto__: must be an UPPER_CASE name/,
    ],
    [
      'a call that is not a name',
      t => t.functions.user.calls.push(7),
      /^ {2}user\.calls: must be a list of names$/m,
    ],
    [
      'an environment that is not an object',
      t => (t.functions.user.env = 5),
      /^ {2}user\.env: must be an object of variables$/m,
    ],
    [
      'an entry that is not an object',
      t => (t.functions.user = 'x'),
      /^ {2}user: must be an object$/m,
    ],
  ];
  refusedRaw.forEach(([name, change, problem]) =>
    it(`refuses ${name}, in its own words`, () => {
      const copy = raw();
      change(copy);
      expect(() => parseTopology(copy))
        .to.throw(TopologyError)
        .with.property('message')
        .that.matches(problem)
        .and.not.match(/Invalid input|expected/);
    }),
  );

  it('still checks the rest of an entry its schema refuses', () => {
    const copy = raw();
    copy.functions.order.ingress = 'private';
    copy.functions.order.serviceAccount = copy.functions.user.serviceAccount;
    copy.functions.order.env.ALLOWED_CALLERS = 'x@y';
    expect(() => parseTopology(copy))
      .to.throw(TopologyError)
      .with.property('problems')
      .that.includes.members([
        "order.serviceAccount: is also user's",
        'order.env.ALLOWED_CALLERS: is derived from the topology',
      ]);
  });

  it('names every problem at once', () => {
    const copy = raw();
    copy.functions.user.ingress = 'private';
    copy.functions.order.localPort = 'x';
    expect(() => parseTopology(copy))
      .to.throw(TopologyError)
      .with.property('problems')
      .that.has.length(2);
  });
});

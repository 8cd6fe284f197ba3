/**
 * topology.json and what is derived from it: read as the project's own file
 * (its facts are spelled out here on purpose, so a change to it is a change
 * to these tests). Broken copies are in topology-refused.test.ts.
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
  withBlock,
} from '../../../scripts/topology';
import {parseConfig} from '../../../functions/common/platform/config';
import {rawTopology as raw} from '../../fixtures/topology';

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
      IGNORED_ROUTES: '',
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
      NODE_OPTIONS: '--max-semi-space-size=8',
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
      IGNORED_ROUTES: '',
      END_USER_AUTH: 'on',
      END_USER_ISSUER: 'https://securetoken.google.com/demo',
      END_USER_AUDIENCE: 'demo',
      ALLOWED_CALLERS: 'anyone',
      CALLS: 'user,order',
      USER_URL: 'https://u.test',
      ORDER_URL: 'https://o.test',
      NODE_COMPILE_CACHE: '.compile-cache',
      NODE_COMPILE_CACHE_PORTABLE: '1',
      NODE_OPTIONS: '--max-semi-space-size=8',
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
});

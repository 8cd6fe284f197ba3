/**
 * Adding a function is one topology entry and its folder: a copy of the
 * project's topology.json gains `inventory` (test/fixtures/inventory), which
 * order may call, and nothing else changes. The local stack starts it behind
 * its own front end under its own account, its ingress and invoker edges
 * hold, deploy.sh deploys it with its flags and bindings, and the console
 * and the README's tables show it.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import {claimsFor} from '../../local/token-signer';
import {ROOT, startStack, type Stack} from '../../local/stack';
import {loadTopology, readmeBlock, type Topology} from '../../scripts/topology';
import {call} from '../fixtures/call';
import {viaConnector} from '../fixtures/connector';
import {uniqueProjectId} from '../fixtures/emulator';

/** The new entry, as a person would write it. */
const INVENTORY = {
  entryPoint: 'inventory',
  source: 'test/fixtures/inventory',
  serviceAccount: 'inventory-fn',
  ingress: 'internal-only',
  allowUnauthenticated: false,
  vpcEgress: false,
  calls: [],
  env: {LOG_LEVEL: 'info'},
  localPort: 8083,
  resources: {
    maxInstances: 5,
    concurrency: 40,
    cpu: '1',
    memory: '256Mi',
    timeout: '10s',
  },
};

describe('a fourth function, from one topology entry and its folder', function () {
  this.timeout(90_000);
  let dir: string;
  let file: string;
  let topology: Topology;
  let stack: Stack;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'fourth-function-'));
    const copy = JSON.parse(
      readFileSync(path.join(ROOT, 'topology.json'), 'utf8'),
    );
    copy.functions.inventory = INVENTORY;
    copy.functions.order.calls.push('inventory');
    file = path.join(dir, 'topology.json');
    writeFileSync(file, JSON.stringify(copy, null, 2));
    topology = loadTopology(file);
    stack = await startStack({
      mode: 'cloud',
      topology,
      projectId: uniqueProjectId('fourth'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
      consolePort: 0,
      logs: path.join(dir, 'logs'),
    });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, {recursive: true, force: true});
  });

  const tokenOf = (who: string, audience: string) =>
    stack.identity.signer.sign(
      claimsFor(stack.info.issuer.url, stack.info.accounts[who], audience),
    );

  it('starts it behind its own front end, under its own account, and the others as before', async () => {
    const {urls, accounts, env} = stack.info;
    expect(accounts.inventory).to.equal(
      `inventory-fn@${stack.info.projectId}.iam.gserviceaccount.com`,
    );
    expect(env.inventory.ALLOWED_CALLERS).to.equal(accounts.order);
    expect(env.order).to.include({
      CALLS: 'inventory',
      INVENTORY_URL: urls.inventory,
    });
    const mesh = await call(`${urls.gateway}/api/user-orders/user-002`, {
      headers: {
        Authorization: `Bearer ${stack.identity.toolkit.idTokenFor('bob@example.com')}`,
      },
    });
    expect(mesh.status).to.equal(200);
  });

  it('holds its ingress and its one invoker edge: order may call it, no one else', async () => {
    const {urls, connector} = stack.info;
    const url = `${urls.inventory}/stock/widget-a`;
    // From outside the network: its ingress is internal-only.
    expect((await fetch(url)).status).to.equal(404);
    // From inside: the front end checks the caller's token and the edge.
    expect((await viaConnector(connector!, url)).status).to.equal(403);
    const asGateway = await viaConnector(connector!, url, {
      'X-Serverless-Authorization': `Bearer ${tokenOf('gateway', urls.inventory)}`,
    });
    expect(asGateway.status).to.equal(403);
    const asOrder = await viaConnector(connector!, url, {
      'X-Serverless-Authorization': `Bearer ${tokenOf('order', urls.inventory)}`,
    });
    // Order's service token alone names no end user: the route wants one.
    expect(asOrder.status).to.equal(401);
    const withUser = await viaConnector(connector!, url, {
      'X-Serverless-Authorization': `Bearer ${tokenOf('order', urls.inventory)}`,
      Authorization: `Bearer ${stack.identity.toolkit.idTokenFor('bob@example.com')}`,
    });
    expect(withUser.status, withUser.text).to.equal(200);
    expect(JSON.parse(withUser.text)).to.deep.equal({
      sku: 'widget-a',
      inStock: 12,
    });
  });

  it('shows it in the console: its account, its ingress, the edge from order', async () => {
    const res = await fetch(`${stack.info.console}/api/topology`);
    const body = JSON.stringify(await res.json());
    expect(body).to.contain('inventory-fn').and.contain('inventory');
    const view = JSON.parse(body) as {
      functions: {name: string; calls: string[]}[];
    };
    expect(view.functions.find(f => f.name === 'order')?.calls).to.include(
      'inventory',
    );
  });

  it("is in the README's picture and table, as `npm run readme` writes them", () => {
    const block = readmeBlock(topology);
    expect(block).to.contain(
      '| `inventory` | `inventory-fn` | `internal-only` | order | nobody | none | none | 5 / 40 / 1 / 256Mi / 10s |',
    );
    expect(block).to.contain('order -->|ID token aud=inventory URL| inventory');
  });

  it('is deployed by deploy.sh with its flags, its account and order as its one invoker', () => {
    const result = spawnSync(
      'bash',
      [path.join(ROOT, 'deploy.sh'), '--dry-run'],
      {
        encoding: 'utf8',
        env: {...process.env, TOPOLOGY_FILE: file, PROJECT_ID: 'demo-project'},
      },
    );
    expect(result.status, result.stderr).to.equal(0);
    const lines = result.stdout.split('\n');
    const sa = (fn: string) => `${fn}-fn@demo-project.iam.gserviceaccount.com`;
    expect(lines).to.include(
      'gcloud iam service-accounts create inventory-fn --display-name=inventory\\ function --project=demo-project',
    );
    const deploy = lines.find(l =>
      l.startsWith('gcloud functions deploy inventory '),
    );
    expect(deploy).to.be.a('string');
    for (const flag of [
      '--entry-point=inventory',
      `--service-account=${sa('inventory')}`,
      '--ingress-settings=internal-only',
      '--no-allow-unauthenticated',
      '--max-instances=5',
      '--memory=256Mi',
    ])
      expect(deploy).to.contain(flag);
    expect(deploy).not.to.contain('--vpc-connector');
    expect(deploy).to.contain(`ALLOWED_CALLERS=${sa('order')}`);
    const invokers = lines.filter(l =>
      l.startsWith('gcloud functions add-invoker-policy-binding inventory '),
    );
    expect(invokers).to.deep.equal([
      `gcloud functions add-invoker-policy-binding inventory --region=us-central1 --project=demo-project --member=serviceAccount:${sa('order')}`,
    ]);
    const order = lines.find(l =>
      l.startsWith('gcloud functions deploy order '),
    );
    expect(order).to.match(/CALLS=inventory\\;INVENTORY_URL=https:/);
    // Inventory first: order needs its URL.
    expect(lines.indexOf(deploy!)).to.be.lessThan(lines.indexOf(order!));
  });
});

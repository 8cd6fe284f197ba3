/**
 * docs/add-a-route.md can be followed: its code blocks, applied where each
 * block's first line says to a copy of the project, compile; `npm run
 * readme` then documents the new route; the tests the guide names pass;
 * and the gateway built from the copy answers `GET /api/me` as the guide
 * says, with real signed tokens and a fake user function.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import * as path from 'node:path';
import type {Call} from '../../functions/common/calls/service-client';
import type {DownstreamError} from '../../functions/common/protocol/problem';
import {ROOT} from '../../local/stack';

/** One code block of the guide: the file it changes, where, and its code. */
interface GuideBlock {
  file: string;
  where: 'before' | 'replacing' | 'new';
  anchor: string;
  code: string[];
}

const HEAD = /^\/\/ (\S+), (?:(before|replacing) the line: (.+)|(a new file))$/;

/** The guide's ts blocks whose first line names their file and place. */
function guideBlocks(markdown: string): GuideBlock[] {
  const blocks: GuideBlock[] = [];
  for (const m of markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const [head, ...code] = m[1].replace(/\n$/, '').split('\n');
    const h = HEAD.exec(head);
    if (!h) continue;
    blocks.push({
      file: h[1],
      where: h[4] ? 'new' : (h[2] as 'before' | 'replacing'),
      anchor: h[3] ?? '',
      code,
    });
  }
  return blocks;
}

/**
 * `text` with `block` applied: inserted above, or in place of, the one
 * line whose text is the anchor, at that line's indentation.
 * @throws Error when no line, or more than one, is the anchor.
 */
function applyBlock(text: string, block: GuideBlock): string {
  if (block.where === 'new') return block.code.join('\n') + '\n';
  const lines = text.split('\n');
  const at = lines.flatMap((l, i) => (l.trim() === block.anchor ? [i] : []));
  if (at.length !== 1)
    throw new Error(
      `${block.file}: ${at.length} lines are "${block.anchor}", not one`,
    );
  const indent = /^\s*/.exec(lines[at[0]])![0];
  const code = block.code.map(l => (l === '' ? l : indent + l));
  lines.splice(at[0], block.where === 'replacing' ? 1 : 0, ...code);
  return lines.join('\n');
}

/** Runs `command` in `cwd`; its output is the assertion's message. */
function run(cwd: string, command: string, args: string[]) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: {...process.env, FORCE_COLOR: '0'},
  });
  expect(
    r.status,
    `${command} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`,
  ).to.equal(0);
  return r.stdout;
}

const bob = {
  id: 'user-002',
  name: 'Bob Smith',
  email: 'bob@example.com',
  role: 'developer',
  createdAt: '2024-01-16T10:00:00.000Z',
};

/**
 * The user function, as far as this route needs it: Bob's profile only.
 * Its refusal is `Downstream` of the build it answers, the one the
 * gateway tells refusals by.
 */
const bobOnly = (Downstream: typeof DownstreamError) => (call: Call) => {
  const id = call.path[1];
  if (call.path.length !== 2 || id !== bob.id)
    throw new Downstream('user', 'rejected', 404, {
      code: 'user-not-found',
      detail: `User ${id} not found.`,
    });
  return {
    status: 200,
    data: {service: 'user', user: bob},
    headers: new Headers(),
  };
};

describe('docs/add-a-route.md, followed', function () {
  this.timeout(600_000);
  const guide = readFileSync(path.join(ROOT, 'docs', 'add-a-route.md'), 'utf8');
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'add-a-route-'));
    const skip = new Set(['node_modules', 'build', '.git']);
    for (const name of [
      'functions',
      'local',
      'scripts',
      'test',
      'bench',
      'docs',
      'README.md',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'topology.json',
    ])
      if (existsSync(path.join(ROOT, name)))
        cpSync(path.join(ROOT, name), path.join(dir, name), {
          recursive: true,
          filter: src => !skip.has(path.basename(src)),
        });
    symlinkSync(
      path.join(ROOT, 'node_modules'),
      path.join(dir, 'node_modules'),
    );
  });
  after(() => {
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  it('has blocks for the contract, the route and a test', () => {
    expect(guideBlocks(guide).map(b => b.file)).to.include.members([
      'functions/gateway/contract.ts',
      'functions/gateway/routes.ts',
      'test/unit/functions/gateway/gateway-me.test.ts',
    ]);
  });

  it('compiles with its blocks applied, and npm run readme documents the route', () => {
    for (const block of guideBlocks(guide)) {
      const file = path.join(dir, block.file);
      mkdirSync(path.dirname(file), {recursive: true});
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      writeFileSync(file, applyBlock(text, block));
    }
    run(dir, 'npx', ['tsc', '-b']);
    run(dir, 'npm', ['run', '-s', 'readme']);
    const doc = JSON.parse(
      readFileSync(path.join(dir, 'docs', 'openapi.json'), 'utf8'),
    );
    expect(doc.paths['/api/me'].get.responses).to.include.keys(
      '200',
      '401',
      '404',
    );
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).to.include(
      '/api/me',
    );
  });

  it('passes the tests the guide names: its own, the contracts, the docs up to date', () => {
    const out = run(dir, 'npx', [
      'mocha',
      '--no-config',
      '--timeout',
      '30000',
      '--reporter',
      'dot',
      ...[
        'unit/functions/gateway/gateway-me.test.js',
        'unit/functions/contracts.test.js',
        'integration/local/openapi.test.js',
      ].map(t => path.join('build', 'test', t)),
    ]);
    expect(out).to.match(/passing/);
  });

  describe('the gateway built from it, GET /api/me', () => {
    // The copy's own modules: its gateway, and the classes it knows.
    const load = <T>(module: string): T =>
      require(path.join(dir, 'build', module)) as T;
    const gw = () => {
      const {gateway} = load<typeof import('../fixtures/gateway')>(
        'test/fixtures/gateway.js',
      );
      const {endUserTokens} = load<
        typeof import('../fixtures/end-user-tokens')
      >('test/fixtures/end-user-tokens.js');
      const {DownstreamError} = load<
        typeof import('../../functions/common/protocol/problem')
      >('functions/common/protocol/problem.js');
      const {authenticate, token} = endUserTokens();
      return {
        ...gateway(bobOnly(DownstreamError), undefined, authenticate),
        token,
      };
    };

    it("answers 200 with Bob's profile to Bob's token", async () => {
      const g = gw();
      const res = await g
        .api()
        .get('/api/me')
        .set('Authorization', `Bearer ${g.token(bob.id)}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.data).to.deep.equal({service: 'user', user: bob});
      expect(g.users.map(c => c.call.path)).to.deep.equal([['users', bob.id]]);
    });

    it('answers 401 without a token, calling nothing', async () => {
      const g = gw();
      const res = await g.api().get('/api/me');
      expect(res.status).to.equal(401);
      expect(res.body.code).to.equal('end-user-token-required');
      expect(g.users).to.have.length(0);
    });

    it('answers 404 user-not-found to a signed-in user without a profile', async () => {
      const g = gw();
      const res = await g
        .api()
        .get('/api/me')
        .set('Authorization', `Bearer ${g.token('user-999')}`);
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('user-not-found');
    });
  });
});

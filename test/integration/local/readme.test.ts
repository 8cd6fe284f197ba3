/**
 * The README's generated blocks: the gateway's rules are the routes' own,
 * the benchmark's figures the last run's; a rule changed on a route, or a
 * run saved, without `npm run readme` fails here.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ADMIN, own, PUBLIC} from '../../../functions/common/http/access';
import {
  figuresBlock,
  generated,
  generatedPerformance,
  rulesTable,
} from '../../../local/readme';
import {ROOT} from '../../../local/stack';

describe("the README's generated blocks", () => {
  it('match the routes and the last run (npm run readme writes them)', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(generated(readme, ROOT)).to.equal(readme);
  });

  it("docs/performance.md's account of the run matches the last run", () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'performance.md'), 'utf8');
    const regenerated = generatedPerformance(doc, ROOT);
    expect(regenerated).to.equal(doc);
    // The block holds the run's own numbers: a row per route, its reads.
    const latest = JSON.parse(
      readFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), 'utf8'),
    ) as {
      elapsedS: number;
      figures: {firestoreReads: {grpc: {cpuMsPerRead: number}}};
    };
    expect(doc).to.contain(`${latest.elapsedS} s;`);
    expect(doc).to.contain(
      `${latest.figures.firestoreReads.grpc.cpuMsPerRead} ms of CPU per read`,
    );
  });

  it("says each target's figure and whether it was met", () => {
    const block = figuresBlock({
      date: '2026-12-02T15:29:21.031Z',
      elapsedS: 525,
      machine: {node: 'v24.21.0', cores: 2},
      targets: [
        {target: 'a <= 1.2x b', value: 1.25, met: false},
        {target: 'c >= 0.9x d', value: 1, met: true},
      ],
    }).split('\n');
    expect(block[0]).to.contain('2026-12-02, Node.js 24.21.0, 2 cores, 525 s');
    expect(block.slice(-2)).to.deep.equal([
      '| a ≤ 1.2x b | 1.25 | **missed** |',
      '| c ≥ 0.9x d | 1 | met |',
    ]);
    expect(() => figuresBlock({date: 'x'})).to.throw();
  });

  it('says what nobody, a user and an admin get, a row per route', () => {
    const handler = async () => ({body: null});
    expect(
      rulesTable([
        {method: 'GET', path: '/', rule: PUBLIC, handler},
        {method: 'GET', path: '/all', rule: ADMIN, handler},
        {method: 'GET', path: '/x/:id/y', rule: own('their own x'), handler},
      ]).split('\n'),
    ).to.deep.equal([
      '| Route | no token | a user | an admin |',
      '|---|---|---|---|',
      '| `GET /` | 200 | 200 | 200 |',
      '| `GET /all` | 401 | 403 | 200 |',
      '| `GET /x/{id}/y` | 401 | their own x | any |',
    ]);
  });
});

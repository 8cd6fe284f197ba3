/**
 * The README's table of the gateway's rules is the routes' own: a rule
 * changed on a route without `npm run readme` fails here.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ADMIN, own, PUBLIC} from '../../functions/common/access';
import {gatewayRules, rulesTable, withRules} from '../../local/rules-table';
import {ROOT} from '../../local/stack';

describe('the rules table', () => {
  it("matches the README's (npm run readme writes it)", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(withRules(readme, gatewayRules())).to.equal(readme);
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

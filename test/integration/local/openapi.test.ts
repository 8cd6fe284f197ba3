/**
 * docs/openapi.json and the route tables made from it (README.md,
 * docs/api.md) are the gateway's routes as they are: a route, a schema or
 * a rule changed without `npm run openapi` fails here.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {z} from 'zod';
import {ADMIN, own, PUBLIC} from '../../../functions/common/http/access';
import {endpoint, isServed, serve} from '../../../functions/common/contract';
import {
  gatewayTable,
  generatedFiles,
  openApiDocument,
  openApiPath,
  routesTable,
  SECURITY_SCHEME,
} from '../../../local/openapi';
import {ROOT} from '../../../local/stack';

interface Operation {
  security: Record<string, string[]>[];
  'x-rule': {access: string; own?: string};
  responses: Record<string, unknown>;
}
const doc = JSON.parse(
  readFileSync(path.join(ROOT, 'docs', 'openapi.json'), 'utf8'),
) as {openapi: string; paths: Record<string, Record<string, Operation>>};

describe('the OpenAPI document', () => {
  Object.entries(generatedFiles(ROOT)).forEach(([file, text]) => {
    it(`${file} is as npm run openapi writes it`, () => {
      expect(readFileSync(path.join(ROOT, file), 'utf8')).to.equal(text);
    });
  });

  it('is OpenAPI 3.1, with every route of the gateway and its rule', () => {
    expect(doc.openapi).to.equal('3.1.0');
    const routes = gatewayTable();
    expect(routes.every(isServed)).to.equal(true);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map(m => `${m.toUpperCase()} ${p}`),
    );
    expect(documented).to.have.members(
      routes.map(r => `${r.method} ${openApiPath(r.path)}`),
    );
    for (const route of routes) {
      const op = doc.paths[openApiPath(route.path)][route.method.toLowerCase()];
      const what = `${route.method} ${route.path}`;
      expect(op['x-rule'].access, what).to.equal(route.rule.access);
      expect(op['x-rule'].own, what).to.equal(route.rule.own);
      expect(op.security, what).to.deep.equal(
        route.rule.access === 'public' ? [] : [{[SECURITY_SCHEME]: []}],
      );
      if (route.rule.access !== 'public')
        expect(op.responses, what).to.have.property('401');
    }
  });

  describe("a route's problems, from its kind and its entry", () => {
    const handler = async () => ({body: undefined});
    const plain = endpoint({
      method: 'GET',
      path: '/x',
      summary: 'x',
      problems: {},
    });
    const withBody = endpoint({
      method: 'POST',
      path: '/x',
      summary: 'x',
      body: z.object({a: z.string()}),
      problems: {'x-gone': 404},
    });
    const cases = [
      {
        name: 'public, no input',
        entry: plain,
        rule: PUBLIC,
        has: {},
        lacks: ['end-user-token-required', 'invalid-request', 'admin-only'],
      },
      {
        name: 'admin',
        entry: plain,
        rule: ADMIN,
        has: {
          'end-user-token-required': '401',
          'account-disabled': '401',
          'admin-only': '403',
        },
        lacks: ['invalid-request'],
      },
      {
        name: "a user's own, with a body",
        entry: withBody,
        rule: own('theirs'),
        has: {
          'token-expired': '401',
          'invalid-request': '400',
          'invalid-json': '400',
          'body-too-large': '413',
          'unsupported-media-type': '415',
          'x-gone': '404',
        },
        lacks: ['account-disabled', 'admin-only'],
      },
    ];
    cases.forEach(c => {
      it(c.name, () => {
        const document = openApiDocument(
          [serve(c.entry, {rule: c.rule, handler})],
          '0',
        ) as unknown as {
          paths: Record<string, Record<string, Operation>>;
        };
        const op = document.paths['/x'][c.entry.method.toLowerCase()];
        const codes: Record<string, string> = {};
        for (const [status, r] of Object.entries(op.responses))
          for (const code of (r as {'x-problem-codes'?: string[]})[
            'x-problem-codes'
          ] ?? [])
            codes[code] = status;
        expect(codes).to.include(c.has);
        for (const code of c.lacks)
          expect(codes, code).to.not.have.property(code);
      });
    });
  });

  it('makes a row per operation, its query spelled out', () => {
    expect(
      routesTable({
        paths: {
          '/x/{id}': {
            get: {
              summary: 's',
              description: 'what | it does\n\nWho may: anyone',
              parameters: [
                {name: 'id', in: 'path'},
                {name: 'limit', in: 'query'},
                {name: 'cursor', in: 'query'},
              ],
            },
          },
        },
      }).split('\n'),
    ).to.deep.equal([
      '| Route | What it does |',
      '|---|---|',
      '| `GET /x/{id}?limit=&cursor=` | what \\| it does |',
    ]);
  });
});

/**
 * The gateway's answers against docs/openapi.json, through the local
 * stack: each request of the table is sent as the document describes it,
 * and its answer must be documented for its status, of the documented
 * media type, fit the documented schema (read from the document, not from
 * the zod schemas it was made from), and, for a problem, carry one of the
 * codes the document lists for that status. Every operation of the
 * document is sent at least once.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {z} from 'zod';
import {ROOT, type Stack} from '../../local/stack';
import {call} from '../fixtures/call';
import {asEndUser, sharedStack} from '../fixtures/stack';

interface Response {
  'x-problem-codes'?: string[];
  content?: Record<string, {schema: object}>;
}
interface Operation {
  requestBody?: {content: Record<string, {schema: object}>};
  responses: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: {schemas: Record<string, object>};
}

const doc = JSON.parse(
  readFileSync(path.join(ROOT, 'docs', 'openapi.json'), 'utf8'),
) as Document;

/** `schema` with the document's `$ref`s to its components in place. */
function resolved(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(resolved);
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as {$ref?: string}).$ref;
  if (ref !== undefined)
    return resolved(
      doc.components.schemas[ref.replace('#/components/schemas/', '')],
    );
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, resolved(v)]),
  );
}

/** The zod schema of one of the document's schemas. */
const schemaOf = (schema: object) =>
  z.fromJSONSchema(resolved(schema) as z.core.JSONSchema.JSONSchema);

const BOB = 'bob@example.com';
const item = {product: 'Cable', quantity: 2, price: 4.99};

interface Case {
  /** The operation, as the document names it: `GET /api/users/{id}`. */
  operation: string;
  /** The request's path, when it differs from the operation's. */
  path?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Alice (an admin) unless said; null: no token. */
  who?: string | null;
  status: number;
}

describe("the gateway's answers, against docs/openapi.json", function () {
  this.timeout(60_000);
  const started = sharedStack('cloud');
  let stack: Stack;
  before(() => ({stack} = started()));

  const cases: Case[] = [
    {operation: 'GET /', status: 200},
    {operation: 'GET /api/users', path: '/api/users?limit=2', status: 200},
    {operation: 'GET /api/users', path: '/api/users?limit=0', status: 400},
    {operation: 'GET /api/users', who: null, status: 401},
    {operation: 'GET /api/users', who: BOB, status: 403},
    {
      operation: 'GET /api/users/{id}',
      path: '/api/users/user-001',
      status: 200,
    },
    {operation: 'GET /api/users/{id}', path: '/api/users/nobody', status: 404},
    {
      operation: 'POST /api/users',
      body: {name: 'Alice again', email: 'alice@example.com'},
      status: 409,
    },
    {
      operation: 'POST /api/users',
      body: {name: 'x', total: 1},
      status: 400,
    },
    {
      operation: 'GET /api/orders',
      path: '/api/orders?status=pending,shipped&limit=5',
      status: 200,
    },
    {
      operation: 'GET /api/orders/{id}',
      path: '/api/orders/order-001',
      status: 200,
    },
    {operation: 'GET /api/orders/{id}', path: '/api/orders/none', status: 404},
    {
      operation: 'POST /api/orders',
      body: {userId: 'user-003', items: [item]},
      headers: {'Idempotency-Key': 'openapi-answers-1'},
      status: 201,
    },
    {
      operation: 'POST /api/orders',
      body: {userId: 'user-999', items: [item]},
      status: 422,
    },
    {
      operation: 'POST /api/orders',
      body: {userId: 'user-003', items: [], total: 3},
      status: 400,
    },
    {
      operation: 'PATCH /api/orders/{id}/status',
      path: '/api/orders/none/status',
      body: {status: 'cancelled'},
      status: 404,
    },
    {operation: 'GET /api/aggregate', status: 200},
    {
      operation: 'GET /api/user-orders/{userId}',
      path: '/api/user-orders/user-001',
      status: 200,
    },
    {
      operation: 'GET /api/user-orders/{userId}',
      path: '/api/user-orders/user-999',
      status: 404,
    },
    {
      operation: 'GET /api/user-orders-direct/{userId}',
      path: '/api/user-orders-direct/user-001',
      status: 200,
    },
  ];

  /** Sends `c` and checks its answer against the document; resolves to its body. */
  async function check(c: Case): Promise<unknown> {
    const [method, template] = c.operation.split(' ');
    const op = doc.paths[template]?.[method.toLowerCase()];
    expect(op, `${c.operation} is documented`).to.not.equal(undefined);
    const init: RequestInit = {method, headers: {...c.headers}};
    if (c.body !== undefined) {
      init.body = JSON.stringify(c.body);
      (init.headers as Record<string, string>)['Content-Type'] =
        'application/json';
    }
    const res = await call(
      `${stack.info.urls.gateway}${c.path ?? template}`,
      asEndUser(stack, init, c.who),
    );
    const what = `${method} ${c.path ?? template}: ${JSON.stringify(res.body)}`;
    expect(res.status, what).to.equal(c.status);
    if (c.body !== undefined) {
      // What the document accepts is not refused as invalid, and the reverse.
      const documentedBody = op.requestBody?.content['application/json'];
      expect(documentedBody, `${what}: its body is documented`).to.not.equal(
        undefined,
      );
      const accepted = schemaOf(documentedBody!.schema).safeParse(
        c.body,
      ).success;
      expect(accepted, `${what}: the document accepts the body`).to.equal(
        res.status !== 400,
      );
    }
    const documented = op.responses[String(res.status)];
    expect(documented, `${what}: its status is documented`).to.not.equal(
      undefined,
    );
    const [media, {schema}] = Object.entries(documented.content ?? {})[0];
    expect(res.headers.get('content-type'), what).to.match(
      new RegExp(`^${media.replace(/[+/]/g, '\\$&')}`),
    );
    const parsed = schemaOf(schema).safeParse(res.body);
    expect(parsed.success, `${what}: ${parsed.error?.message}`).to.equal(true);
    if (res.status >= 400)
      expect(documented['x-problem-codes'], what).to.include(res.body.code);
    return res.body;
  }

  cases.forEach(c => {
    it(`${c.operation} ${c.path ?? ''} as ${c.who === null ? 'nobody' : (c.who ?? 'an admin')}: ${c.status}`, async () => {
      await check(c);
    });
  });

  it('answers a status change and its refusal as documented', async () => {
    const created = (await check(cases.find(c => c.status === 201)!)) as {
      data: {order: {id: string}};
    };
    const id = created.data.order.id;
    const change = (status: string, expected: number) =>
      check({
        operation: 'PATCH /api/orders/{id}/status',
        path: `/api/orders/${id}/status`,
        body: {status},
        status: expected,
      });
    await change('cancelled', 200);
    await change('shipped', 409);
  });

  it('sends every operation of the document', () => {
    const sent = new Set(cases.map(c => c.operation));
    const all = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map(m => `${m.toUpperCase()} ${p}`),
    );
    expect(all.filter(o => !sent.has(o))).to.deep.equal([]);
  });
});

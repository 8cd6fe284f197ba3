/**
 * The public API as an OpenAPI 3.1 document, generated from the gateway's
 * route table: each route's contract entry (functions/gateway/contract.ts:
 * parameters, body, answer, its own problem codes) and its rule (who may
 * call it), with the problems every route of its kind may answer (bad
 * input, no or a bad token, not an admin). The schemas are the contracts'
 * zod schemas, as zod writes them in JSON Schema (draft 2020-12, OpenAPI
 * 3.1's dialect). `npm run openapi` writes docs/openapi.json and the route
 * tables of the README and docs/api.md made from it; a test fails when a
 * copy differs.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import * as path from 'node:path';
import {z} from 'zod';
import {replaceBetween} from '../scripts/topology-outputs';
import type {Rule} from '../functions/common/http/access';
import {TOKEN_FAULTS} from '../functions/common/identity/signed-tokens';
import {isServed, type Endpoint} from '../functions/common/contract';
import type {Route} from '../functions/common/http/router';
import type {ServiceCaller} from '../functions/common/calls/service-client';
import {gatewayRoutes} from '../functions/gateway/routes';

/** The RFC 9457 problem document every error answer is (functions/common/problem.ts). */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string(),
  instance: z.string().optional(),
  requestId: z.string().optional(),
  errors: z
    .array(z.object({field: z.string(), message: z.string()}))
    .optional(),
});

export const PROBLEM_JSON = 'application/problem+json';
export const SECURITY_SCHEME = 'idToken';
const PROBLEM_REF = {$ref: '#/components/schemas/Problem'};

/** What only an admin route checks: the account as it is now (end-user.ts). */
const ACCOUNT_FAULTS = ['token-revoked', 'account-disabled', 'account-deleted'];

/** What the problems of a route's kind are, beyond its own. */
function routeProblems(entry: Endpoint, rule: Rule): Record<string, number> {
  const problems: Record<string, number> = {};
  if (entry.params || entry.query || entry.headers || entry.body)
    problems['invalid-request'] = 400;
  if (entry.body) {
    problems['invalid-json'] = 400;
    problems['body-too-large'] = 413;
    problems['unsupported-media-type'] = 415;
  }
  if (rule.access !== 'public') {
    problems['end-user-token-required'] = 401;
    for (const fault of Object.keys(TOKEN_FAULTS))
      if (rule.access === 'admin' || !ACCOUNT_FAULTS.includes(fault))
        problems[fault] = 401;
    problems['credentials-unverifiable'] = 503;
  }
  if (rule.access === 'admin') problems['admin-only'] = 403;
  return {...problems, ...entry.problems};
}

/** Who may call a route under `rule`, for people. */
function whoMay(rule: Rule): string {
  if (rule.access === 'public') return 'Anyone, without a token.';
  if (rule.access === 'admin') return 'An admin only.';
  return `A signed-in user: ${rule.own ?? 'any'}; an admin: any.`;
}

type JsonSchema = Record<string, unknown>;

const inputSchema = (s: z.ZodType): JsonSchema =>
  bare(z.toJSONSchema(s, {io: 'input', unrepresentable: 'any'}));
const outputSchema = (s: z.ZodType): JsonSchema =>
  bare(z.toJSONSchema(s, {unrepresentable: 'any'}));

/** A schema without its `$schema`: the document's dialect says it once. */
function bare(schema: JsonSchema): JsonSchema {
  const rest = {...schema};
  delete rest.$schema;
  return rest;
}

/** `in: path|query|header` parameters, one per property of `schema`. */
function parameters(where: string, schema: z.ZodObject | undefined) {
  if (schema === undefined) return [];
  const json = inputSchema(schema) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** `/api/users/:id` as OpenAPI writes it: `/api/users/{id}`. */
export const openApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');

function operation(route: Route & {endpoint: Endpoint}) {
  const {endpoint: entry, rule} = route;
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(routeProblems(entry, rule)))
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  const status = entry.status ?? 200;
  const responses: Record<string, unknown> = {
    [status]:
      entry.answer === undefined
        ? {description: 'Done; no body.'}
        : {
            description: entry.summary,
            ...(entry.answerHeaders && {
              headers: Object.fromEntries(
                Object.entries(entry.answerHeaders).map(([name, says]) => [
                  name,
                  {description: says, schema: {type: 'string'}},
                ]),
              ),
            }),
            content: {
              'application/json': {schema: outputSchema(entry.answer)},
            },
          },
  };
  for (const [s, codes] of [...byStatus].sort(([a], [b]) => a - b))
    responses[s] = {
      description: `A problem: ${codes.map(c => `\`${c}\``).join(', ')}.`,
      'x-problem-codes': codes,
      content: {[PROBLEM_JSON]: {schema: PROBLEM_REF}},
    };
  responses.default = {
    description:
      'A problem of any request: a function called failed (`service-*`), the request ran out of time, the instance is stopping.',
    content: {[PROBLEM_JSON]: {schema: PROBLEM_REF}},
  };
  return {
    summary: entry.summary,
    description: `${entry.description ?? entry.summary}\n\nWho may: ${whoMay(rule)}`,
    'x-rule':
      rule.own === undefined
        ? {access: rule.access}
        : {access: rule.access, own: rule.own},
    security: rule.access === 'public' ? [] : [{[SECURITY_SCHEME]: []}],
    parameters: [
      ...parameters('path', entry.params),
      ...parameters('query', entry.query),
      ...parameters('header', entry.headers),
    ],
    ...(entry.body && {
      requestBody: {
        required: true,
        content: {'application/json': {schema: inputSchema(entry.body)}},
      },
    }),
    responses,
  };
}

/** The OpenAPI document of `routes`. */
export function openApiDocument(routes: Route[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes.filter(isServed)) {
    const p = openApiPath(route.path);
    paths[p] = {...paths[p], [route.method.toLowerCase()]: operation(route)};
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'functions-s2s gateway',
      version,
      description:
        "The public API: the gateway's routes. Answers are envelopes `{source, target, flow, data}` around the answer of the function called; errors are RFC 9457 problem documents. Generated from the contracts (`npm run openapi`).",
    },
    servers: [{url: 'http://localhost:8080', description: 'the local stack'}],
    components: {
      schemas: {Problem: outputSchema(problemSchema)},
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "An end user's Identity Platform ID token. Each route says who may call it (`x-rule`: public, admin, or a signed-in user limited to their own).",
        },
      },
    },
    paths,
  };
}

/** The gateway's routes, built only to be read: nothing is called. */
export function gatewayTable(): Route[] {
  const nobody: ServiceCaller = {
    call: () => Promise.reject(new Error('not called')),
  };
  return gatewayRoutes({users: nobody, orders: nobody});
}

/** docs/openapi.json as the gateway's routes have it. */
export function gatewayDocument(root: string) {
  const {version} = JSON.parse(
    readFileSync(path.join(root, 'package.json'), 'utf8'),
  ) as {version: string};
  return openApiDocument(gatewayTable(), version);
}

export const openApiText = (doc: unknown) =>
  `${JSON.stringify(doc, null, 2)}\n`;

export const ROUTES_START =
  '<!-- routes: generated by `npm run openapi`, from docs/openapi.json -->';
export const ROUTES_END = '<!-- end of routes -->';

interface DocOperation {
  description: string;
  summary: string;
  parameters: {name: string; in: string}[];
}

/** The table of routes: each with its query, and what it does. */
export function routesTable(doc: {
  paths: Record<string, Record<string, DocOperation>>;
}): string {
  const rows = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const query = op.parameters
        .filter(q => q.in === 'query')
        .map(q => `${q.name}=`);
      const route = `${method.toUpperCase()} ${p}${query.length > 0 ? `?${query.join('&')}` : ''}`;
      return `| \`${route}\` | ${op.description.split('\n\n')[0].replace(/\|/g, '\\|')} |`;
    }),
  );
  return ['| Route | What it does |', '|---|---|', ...rows].join('\n');
}

/** `doc` (README.md, docs/api.md) with its route table as the document has it. */
export function withRoutesTable(text: string, doc: unknown): string {
  return replaceBetween(
    text,
    ROUTES_START,
    ROUTES_END,
    routesTable(doc as Parameters<typeof routesTable>[0]),
  );
}

/** The files `npm run openapi` writes, by path from the root, with what they hold. */
export function generatedFiles(root: string): Record<string, string> {
  const doc = gatewayDocument(root);
  const files: Record<string, string> = {
    'docs/openapi.json': openApiText(doc),
  };
  for (const file of ['README.md', 'docs/api.md'])
    files[file] = withRoutesTable(
      readFileSync(path.join(root, file), 'utf8'),
      doc,
    );
  return files;
}

if (require.main === module) {
  const root = path.join(__dirname, '..', '..');
  for (const [file, text] of Object.entries(generatedFiles(root)))
    writeFileSync(path.join(root, file), text);
  process.stdout.write(
    'docs/openapi.json written; the route tables of README.md and docs/api.md written\n',
  );
}

// @ts-check
/**
 * Checks topology.json (see topology.js for its fields) against one zod
 * schema per function, then the rules that span functions (calls, derived
 * variables, one owner per account, port and database), naming every
 * problem at once; derives the invoker edges and the deploy order.
 */
'use strict';

const {z} = require('zod');
const {checkEnv} = require('./topology-env');

/** @type {['all', 'internal-only', 'internal-and-gclb']} */
const INGRESS = ['all', 'internal-only', 'internal-and-gclb'];
const NAME = /^[a-z][a-z0-9-]{0,48}$/;
const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
// Firestore's rule for a database id (4-63 of a-z, 0-9, -; a letter first).
const DATABASE_ID = /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/;
/**
 * The variable that holds the URL of the function `name` (user -> USER_URL),
 * read by functions/common/config.ts.
 * @param {string} name
 */
function urlVariable(name) {
  return `${name.toUpperCase().replace(/-/g, '_')}_URL`;
}

class TopologyError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(`Invalid topology:\n  ${problems.join('\n  ')}`);
    this.name = 'TopologyError';
    this.problems = problems;
  }
}

/** A check's message, for zod's `error` option. */
const says = (/** @type {string} */ message) => ({error: message});
const text = z
  .string(says('must be a string'))
  .min(1, says('must be a string'));
const flag = z.boolean(says('must be true or false'));
const names = z.array(z.string(), says('must be a list of names'));
const positive = z
  .number(says('must be a positive whole number'))
  .int(says('must be a positive whole number'))
  .min(1, says('must be a positive whole number'));
const matching = (/** @type {RegExp} */ pattern) =>
  z
    .string(says(`must match ${pattern}`))
    .regex(pattern, says(`must match ${pattern}`));

const FOLDER = 'must be a folder of the project (a relative path)';
const DATABASE =
  'must be a Firestore database id (4-63 of a-z, 0-9, -, a letter first)';

/** A function's own environment: checked against the whole topology below. */
const envSchema = z.record(z.string(), z.unknown()).default({});

/** One function's entry of topology.json (see topology.js for its fields). */
const functionSchema = z.object({
  entryPoint: text,
  serviceAccount: text.regex(
    ACCOUNT_ID,
    says('must be a service account id (6-30 of a-z, 0-9, -)'),
  ),
  ingress: z.enum(INGRESS, says(`must be one of ${INGRESS.join(', ')}`)),
  allowUnauthenticated: flag,
  vpcEgress: flag,
  calls: names,
  env: envSchema,
  source: z
    .string(says(FOLDER))
    .regex(/^[a-z0-9][a-z0-9/_-]*$/i, says(FOLDER))
    .refine(source => !source.split('/').includes('..'), says(FOLDER))
    .optional(),
  firestore: z
    .object({
      database: z.string(says(DATABASE)).regex(DATABASE_ID, says(DATABASE)),
      collections: z
        .array(z.string().min(1), says('must be a list of collection names'))
        .min(1, says('must be a list of collection names')),
    })
    .optional(),
  localPort: z
    .number(says('must be a port number'))
    .int(says('must be a port number'))
    .min(1, says('must be a port number'))
    .max(65535, says('must be a port number')),
  resources: z.object(
    {
      maxInstances: positive,
      concurrency: positive,
      cpu: matching(/^\d+(\.\d+)?$/),
      memory: matching(/^\d+(Mi|Gi)$/),
      timeout: matching(/^\d+s$/),
    },
    says('must be an object'),
  ),
});

/**
 * A function of the topology: its entry as checked, with its name, the
 * functions that may call it (`invokers`, derived from `calls`), and its
 * environment's values all strings. `firestore` is absent when it keeps no
 * data, `source` when its code is in functions/<name>.
 * @typedef {Omit<z.infer<typeof functionSchema>, 'env'> & {name: string, invokers: string[], env: Record<string, string>}} FunctionSpec
 */
/**
 * @typedef {object} Topology
 * @property {FunctionSpec[]} functions every function, callees before their callers (deploy order)
 * @property {FunctionSpec[]} declared every function, in the order topology.json lists them
 * @property {(name: string) => FunctionSpec} get
 * @property {string} [file] the file it was read from, when not the project's topology.json
 */

const topologySchema = z.object({
  functions: z
    .record(z.string(), z.unknown(), says('must map names to functions'))
    .default({}),
});

/** zod's issues as "name.field: message" lines. */
const problemsOf = (
  /** @type {string} */ prefix,
  /** @type {z.core.$ZodIssue[]} */ issues,
) =>
  issues.map(issue => {
    const path = issue.path.map(String).join('.');
    return `${[prefix, path].filter(Boolean).join('.')}: ${issue.message}`;
  });

/**
 * Checks a topology (the parsed JSON) and derives the invoker edges and the
 * deploy order.
 * @param {unknown} raw
 * @returns {Topology}
 * @throws {TopologyError} naming every problem
 */
function parseTopology(raw) {
  /** @type {string[]} */
  const problems = [];
  const fail = (/** @type {string} */ where, /** @type {string} */ what) =>
    problems.push(`${where}: ${what}`);
  const root = topologySchema.safeParse(raw ?? {});
  if (!root.success) throw new TopologyError(problemsOf('', root.error.issues));
  const entries = Object.entries(root.data.functions);
  if (entries.length === 0)
    fail('functions', 'must define at least one function');
  const declared = new Set(entries.map(([name]) => name));
  const urlVariables = [...declared].map(urlVariable);

  /** @type {FunctionSpec[]} */
  const specs = entries.flatMap(([name, entry]) => {
    if (!NAME.test(name)) fail(name, 'must be a lowercase name');
    const parsed = functionSchema.safeParse(entry);
    if (!parsed.success) {
      problems.push(...problemsOf(name, parsed.error.issues));
      return [];
    }
    const f = parsed.data;
    const at = (/** @type {string} */ field, /** @type {string} */ what) =>
      fail(`${name}.${field}`, what);
    for (const callee of f.calls) {
      if (!declared.has(callee)) at('calls', `names no function "${callee}"`);
      if (callee === name) at('calls', 'a function does not call itself');
    }
    checkEnv(f.env, urlVariables, at);
    if (f.firestore?.database === '(default)')
      at('firestore.database', 'must be a database of its own');
    return [
      {
        name,
        entryPoint: f.entryPoint,
        serviceAccount: f.serviceAccount,
        ingress: f.ingress,
        allowUnauthenticated: f.allowUnauthenticated,
        vpcEgress: f.vpcEgress,
        calls: f.calls,
        invokers: [],
        firestore: f.firestore,
        // Checked above: every value a string.
        env: Object.fromEntries(
          Object.entries(f.env).filter(
            /** @returns {e is [string, string]} */ e =>
              typeof e[1] === 'string',
          ),
        ),
        ...(f.source === undefined ? {} : {source: f.source}),
        localPort: f.localPort,
        resources: f.resources,
      },
    ];
  });

  const unique = (
    /** @type {string} */ field,
    /** @type {(s: FunctionSpec) => unknown} */ of,
  ) => {
    const seen = new Map();
    for (const s of specs) {
      const value = of(s);
      if (value === undefined) continue;
      if (seen.has(value))
        fail(`${s.name}.${field}`, `is also ${seen.get(value)}'s`);
      seen.set(value, s.name);
    }
  };
  unique('serviceAccount', s => s.serviceAccount);
  unique('localPort', s => s.localPort);
  // One owner per database: no other account is granted it.
  unique('firestore.database', s => s.firestore?.database);

  const byName = new Map(specs.map(s => [s.name, s]));
  for (const caller of specs)
    for (const callee of caller.calls)
      byName.get(callee)?.invokers.push(caller.name);

  // A function is deployed after every function it calls: it needs their URLs.
  /** @type {FunctionSpec[]} */
  const ordered = [];
  const state = new Map();
  const visit = (
    /** @type {FunctionSpec} */ s,
    /** @type {string[]} */ trail,
  ) => {
    if (state.get(s.name) === 'done') return;
    if (state.get(s.name) === 'visiting') {
      fail(
        'functions',
        `cycle ${[...trail, s.name].join(' -> ')}: a URL is needed before it exists`,
      );
      return;
    }
    state.set(s.name, 'visiting');
    for (const dep of s.calls) {
      const next = byName.get(dep);
      if (next) visit(next, [...trail, s.name]);
    }
    state.set(s.name, 'done');
    ordered.push(s);
  };
  for (const s of specs) visit(s, []);

  if (problems.length > 0) throw new TopologyError(problems);
  return {
    functions: ordered,
    declared: specs,
    get(name) {
      const spec = byName.get(name);
      if (spec === undefined)
        throw new Error(`No function "${name}" in the topology`);
      return spec;
    },
  };
}

module.exports = {parseTopology, TopologyError, urlVariable, DATABASE_ID};

// @ts-check
/**
 * Checks topology.json (see topology.js for its fields) against one zod
 * schema per function, then the rules that span functions (calls, derived
 * variables, one owner per account, port and database), naming every
 * problem at once; derives the invoker edges and the deploy order.
 */
'use strict';

const {checkEnv} = require('./topology-env');
const {
  DATABASE_ID,
  entriesOf,
  functionSchema,
  problemsOf,
  topologySchema,
} = require('./topology-schema');

const NAME = /^[a-z][a-z0-9-]{0,48}$/;

/**
 * The variable that holds the URL of the function `name` (user -> USER_URL),
 * read by functions/common/platform/config.ts.
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

/**
 * A function of the topology: its entry as checked, with its name, the
 * functions that may call it (`invokers`, derived from `calls`), and its
 * environment's values all strings. `firestore` is absent when it keeps no
 * data, `source` when its code is in functions/<name>.
 * @typedef {Omit<import('zod').infer<typeof functionSchema>, 'env'> & {name: string, invokers: string[], env: Record<string, string>}} FunctionSpec
 */
/**
 * @typedef {object} Topology
 * @property {FunctionSpec[]} functions every function, callees before their callers (deploy order)
 * @property {FunctionSpec[]} declared every function, in the order topology.json lists them
 * @property {(name: string) => FunctionSpec} get
 * @property {string} [file] the file it was read from, when not the project's topology.json
 */

/**
 * What the rules across functions read of an entry, as far as its fields
 * have their types: so that an entry the schema refuses still has its
 * calls, environment, account, port and database checked.
 * @param {string} name
 * @param {unknown} entry
 */
function looseNode(name, entry) {
  const field = (/** @type {string} */ key) =>
    entry !== null && typeof entry === 'object'
      ? Reflect.get(entry, key)
      : undefined;
  const calls = field('calls');
  const firestore = field('firestore');
  return {
    name,
    calls: Array.isArray(calls)
      ? calls.filter(c => typeof c === 'string')
      : /** @type {string[]} */ ([]),
    env: entriesOf(field('env')),
    serviceAccount: field('serviceAccount'),
    localPort: field('localPort'),
    database:
      firestore !== null && typeof firestore === 'object'
        ? Reflect.get(firestore, 'database')
        : undefined,
  };
}

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
  if (!root.success)
    throw new TopologyError(problemsOf('topology', root.error.issues));
  const entries = entriesOf(Reflect.get(Object(raw), 'functions'));
  if (entries.length === 0)
    fail('functions', 'must define at least one function');
  const declared = new Set(entries.map(([name]) => name));
  const urlVariables = [...declared].map(urlVariable);

  /** @type {Map<string, FunctionSpec>} */
  const specs = new Map();
  const nodes = entries.map(([name, entry]) => {
    if (!NAME.test(name)) fail(name, 'must be a lowercase name');
    const at = (/** @type {string} */ field, /** @type {string} */ what) =>
      fail(`${name}.${field}`, what);
    const parsed = functionSchema.safeParse(entry);
    if (!parsed.success)
      problems.push(...problemsOf(name, parsed.error.issues));
    const node = looseNode(name, entry);
    for (const callee of node.calls) {
      if (!declared.has(callee)) at('calls', `names no function "${callee}"`);
      if (callee === name) at('calls', 'a function does not call itself');
    }
    checkEnv(node.env, urlVariables, at);
    if (parsed.success) {
      const {env, source, ...f} = parsed.data;
      specs.set(name, {
        ...f,
        name,
        invokers: [],
        // Checked above: every value a string.
        env: Object.fromEntries(
          Object.entries(env).filter(
            /** @returns {e is [string, string]} */ e =>
              typeof e[1] === 'string',
          ),
        ),
        ...(source === undefined ? {} : {source}),
      });
    }
    return node;
  });

  const unique = (
    /** @type {string} */ field,
    /** @type {(n: typeof nodes[number]) => unknown} */ of,
  ) => {
    const seen = new Map();
    for (const n of nodes) {
      const value = of(n);
      if (value === undefined) continue;
      if (seen.has(value))
        fail(`${n.name}.${field}`, `is also ${seen.get(value)}'s`);
      seen.set(value, n.name);
    }
  };
  unique('serviceAccount', n => n.serviceAccount);
  unique('localPort', n => n.localPort);
  // One owner per database: no other account is granted it.
  unique('firestore.database', n => n.database);

  // A function is deployed after every function it calls: it needs their URLs.
  /** @type {string[]} */
  const ordered = [];
  const byName = new Map(nodes.map(n => [n.name, n]));
  const state = new Map();
  const visit = (
    /** @type {typeof nodes[number]} */ n,
    /** @type {string[]} */ trail,
  ) => {
    if (state.get(n.name) === 'done') return;
    if (state.get(n.name) === 'visiting') {
      fail(
        'functions',
        `cycle ${[...trail, n.name].join(' -> ')}: a URL is needed before it exists`,
      );
      return;
    }
    state.set(n.name, 'visiting');
    for (const dep of n.calls) {
      const next = byName.get(dep);
      if (next) visit(next, [...trail, n.name]);
    }
    state.set(n.name, 'done');
    ordered.push(n.name);
  };
  for (const n of nodes) visit(n, []);

  if (problems.length > 0) throw new TopologyError([...new Set(problems)]);
  // No problems: every entry parsed.
  const specOf = (/** @type {string} */ name) => {
    const spec = specs.get(name);
    if (spec === undefined)
      throw new Error(`No function "${name}" in the topology`);
    return spec;
  };
  for (const caller of specs.values())
    for (const callee of caller.calls)
      specOf(callee).invokers.push(caller.name);
  return {
    functions: ordered.map(specOf),
    declared: [...specs.values()],
    get: specOf,
  };
}

module.exports = {parseTopology, TopologyError, urlVariable, DATABASE_ID};

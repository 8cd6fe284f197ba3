// @ts-check
/**
 * Checks topology.json (see topology.js for its fields) naming every
 * problem at once, and derives the invoker edges and the deploy order.
 */
'use strict';

/** @typedef {'all' | 'internal-only' | 'internal-and-gclb'} Ingress */
/**
 * @typedef {object} Resources
 * @property {number} maxInstances
 * @property {number} concurrency
 * @property {string} cpu
 * @property {string} memory
 * @property {string} timeout
 */
/**
 * @typedef {object} Store a function's own Firestore database
 * @property {string} database the database id, named for its function
 * @property {string[]} collections the collections it keeps there
 */
/**
 * @typedef {object} FunctionSpec
 * @property {string} name
 * @property {string} entryPoint
 * @property {string} serviceAccount
 * @property {Ingress} ingress
 * @property {boolean} allowUnauthenticated
 * @property {boolean} vpcEgress
 * @property {string[]} calls
 * @property {string[]} invokers the functions that may call this one (derived from `calls`)
 * @property {Store | undefined} firestore its data: absent when it keeps none
 * @property {Record<string, string>} env
 * @property {string} [source] the folder of its code, when not functions/<name>
 * @property {number} localPort
 * @property {Resources} resources
 */
/**
 * @typedef {object} Topology
 * @property {FunctionSpec[]} functions every function, callees before their callers (deploy order)
 * @property {FunctionSpec[]} declared every function, in the order topology.json lists them
 * @property {(name: string) => FunctionSpec} get
 * @property {string} [file] the file it was read from, when not the project's topology.json
 */

const INGRESS = ['all', 'internal-only', 'internal-and-gclb'];
const NAME = /^[a-z][a-z0-9-]{0,48}$/;
const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
// Firestore's rule for a database id (4-63 of a-z, 0-9, -; a letter first).
const DATABASE_ID = /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/;
// Set from the topology, never by hand: the function's identity and who may call it.
const DERIVED_ENV = [
  'GOOGLE_CLOUD_PROJECT',
  'TOKEN_CHECK',
  'SELF_URL',
  'ALLOWED_CALLERS',
  'CALLS',
  'CALL_TOKENS',
  'FIRESTORE_DATABASE',
];
// What decides whom a function trusts, or what code it runs: a function's
// own `env` may set none of it, so that topology.json cannot quietly point
// token checks at other keys, calls through another proxy, or preload code.
const TRUST_ENV = [
  'END_USER_AUTH',
  'EGRESS_PROXY',
  'TOPOLOGY_FILE',
  'FRAMEWORK_DOMAIN',
  'PORT',
];
// Families of the same: the identity settings (TOKEN_ISSUER,
// END_USER_CERTS_URL…), Google's and the platform's own variables (Cloud
// Run's K_SERVICE, the metadata server's GCE_METADATA_HOST…), the
// Firestore client's, and Node's (NODE_OPTIONS).
const TRUST_PREFIXES = [
  'TOKEN_',
  'END_USER_',
  'GOOGLE_',
  'GCE_',
  'GCLOUD_',
  'CLOUDSDK_',
  'CLOUD_RUN_',
  'K_',
  'FUNCTION_',
  'FIRESTORE_',
  'METADATA_',
  'NODE_',
  'NPM_',
];
// deploy.sh passes the environment as KEY=VALUE pairs split on ";"
// (--set-env-vars=^;^…): a value with one would make a second variable.
const safeEnvValue = (/** @type {string} */ value) =>
  ![...value].some(c => c === ';' || c < ' ' || c === '\u007f');

/**
 * The variable that holds the URL of the function `name` (user -> USER_URL),
 * the same rule as functions/common/config.ts's `urlVariable`.
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
  const root = /** @type {{functions?: Record<string, any>}} */ (raw ?? {});
  const entries = Object.entries(root.functions ?? {});
  if (entries.length === 0)
    fail('functions', 'must define at least one function');
  const names = new Set(entries.map(([name]) => name));

  /** @type {FunctionSpec[]} */
  const specs = entries.map(([name, f]) => {
    const at = (/** @type {string} */ field) => `${name}.${field}`;
    if (!NAME.test(name)) fail(name, 'must be a lowercase name');
    const str = (/** @type {string} */ field) => {
      if (typeof f?.[field] !== 'string' || f[field] === '')
        fail(at(field), 'must be a string');
      return String(f?.[field]);
    };
    const bool = (/** @type {string} */ field) => {
      if (typeof f?.[field] !== 'boolean')
        fail(at(field), 'must be true or false');
      return f?.[field] === true;
    };
    const list = (/** @type {string} */ field) => {
      const value = f?.[field];
      if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
        fail(at(field), 'must be a list of names');
        return [];
      }
      return /** @type {string[]} */ (value);
    };
    const serviceAccount = str('serviceAccount');
    if (!ACCOUNT_ID.test(serviceAccount))
      fail(
        at('serviceAccount'),
        'must be a service account id (6-30 of a-z, 0-9, -)',
      );
    const ingress = /** @type {Ingress} */ (str('ingress'));
    if (!INGRESS.includes(ingress))
      fail(at('ingress'), `must be one of ${INGRESS.join(', ')}`);
    const calls = list('calls');
    for (const callee of calls) {
      if (!names.has(callee))
        fail(at('calls'), `names no function "${callee}"`);
      if (callee === name) fail(at('calls'), 'a function does not call itself');
    }
    /** @type {Record<string, string>} */
    const env = {};
    const urlVariables = [...names].map(urlVariable);
    for (const [key, value] of Object.entries(f?.env ?? {})) {
      if (!ENV_NAME.test(key))
        fail(at(`env.${key}`), 'must be an UPPER_CASE name');
      if (DERIVED_ENV.includes(key) || urlVariables.includes(key))
        fail(at(`env.${key}`), 'is derived from the topology');
      else if (
        TRUST_ENV.includes(key) ||
        TRUST_PREFIXES.some(prefix => key.startsWith(prefix))
      )
        fail(
          at(`env.${key}`),
          'decides whom the function trusts or what it runs: not settable here',
        );
      if (typeof value !== 'string') fail(at(`env.${key}`), 'must be a string');
      else if (!safeEnvValue(value))
        fail(
          at(`env.${key}`),
          'must not hold ";" or control characters (it would split into another variable)',
        );
      else env[key] = value;
    }
    const source = f?.source;
    if (
      source !== undefined &&
      (typeof source !== 'string' ||
        !/^[a-z0-9][a-z0-9/_-]*$/i.test(source) ||
        source.split('/').includes('..'))
    )
      fail(at('source'), 'must be a folder of the project (a relative path)');
    /** @type {Store | undefined} */
    let firestore;
    if (f?.firestore !== undefined) {
      const database = f.firestore?.database;
      if (typeof database !== 'string' || !DATABASE_ID.test(database))
        fail(
          at('firestore.database'),
          'must be a Firestore database id (4-63 of a-z, 0-9, -, a letter first)',
        );
      else if (database === '(default)')
        fail(at('firestore.database'), 'must be a database of its own');
      const collections = f.firestore?.collections;
      if (
        !Array.isArray(collections) ||
        collections.length === 0 ||
        collections.some(c => typeof c !== 'string' || c === '')
      )
        fail(at('firestore.collections'), 'must be a list of collection names');
      else firestore = {database: String(database), collections};
    }
    const localPort = f?.localPort;
    if (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535)
      fail(at('localPort'), 'must be a port number');
    const r = f?.resources ?? {};
    for (const field of ['maxInstances', 'concurrency'])
      if (!Number.isInteger(r[field]) || r[field] < 1)
        fail(at(`resources.${field}`), 'must be a positive whole number');
    for (const [field, pattern] of /** @type {[string, RegExp][]} */ ([
      ['cpu', /^\d+(\.\d+)?$/],
      ['memory', /^\d+(Mi|Gi)$/],
      ['timeout', /^\d+s$/],
    ]))
      if (typeof r[field] !== 'string' || !pattern.test(r[field]))
        fail(at(`resources.${field}`), `must match ${pattern}`);
    return {
      name,
      entryPoint: str('entryPoint'),
      serviceAccount,
      ingress,
      allowUnauthenticated: bool('allowUnauthenticated'),
      vpcEgress: bool('vpcEgress'),
      calls,
      invokers: [],
      firestore,
      env,
      ...(typeof source === 'string' ? {source} : {}),
      localPort,
      resources: {
        maxInstances: r.maxInstances,
        concurrency: r.concurrency,
        cpu: r.cpu,
        memory: r.memory,
        timeout: r.timeout,
      },
    };
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

// @ts-check
/**
 * Reads topology.json, the one definition of the system's functions, checks
 * it, and derives what the rest of the project needs from it: the deploy
 * order, who may invoke whom, each function's environment and its Cloud Run
 * settings. Plain JavaScript with no dependencies, so deploy.sh, cleanup.sh
 * and test.sh can run it with `node` before anything is installed or built;
 * the TypeScript code (local stack, tests, benchmark) imports the same module.
 *
 * topology.json, per function (the key is the function's name):
 *   entryPoint            the export of functions/index.ts it runs
 *   serviceAccount        the account id it runs as (<id>@<project>.iam.gserviceaccount.com)
 *   ingress               "all" | "internal-only" | "internal-and-gclb"
 *   allowUnauthenticated  true: anyone may invoke it; false: only the functions that call it,
 *                         each through its own roles/run.invoker binding
 *   vpcEgress             its outgoing calls leave through the VPC connector (--egress-settings=all)
 *   calls                 the functions it may call: the invoker edges
 *   firestore             collections it keeps (it gets roles/datastore.user); absent: no Firestore
 *   env                   its environment: a string, or {"urlOf": "<function>"} for that function's URL
 *   localPort             where `npm start` serves it (<NAME>_PORT overrides)
 *   resources             maxInstances, concurrency, cpu, memory, timeout (gcloud's flag values)
 *
 * Derived for every function that does not allow unauthenticated calls:
 * AUTH_MODE, SELF_URL (its own URL, the audience of its tokens) and
 * ALLOWED_CALLERS (the service accounts of the functions that call it).
 *
 * Command line (for the shell scripts):
 *   node scripts/topology.js shell                 bash declarations of the topology
 *   node scripts/topology.js env FN PROJECT [NAME=URL...]
 *                                                  FN's environment as KEY=VALUE;KEY=VALUE,
 *                                                  with the URLs of itself and the functions it names
 *   node scripts/topology.js readme                rewrites the README's picture and table of the functions
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** @typedef {'all' | 'internal-only' | 'internal-and-gclb'} Ingress */
/** @typedef {string | {urlOf: string}} EnvValue */
/**
 * @typedef {object} Resources
 * @property {number} maxInstances
 * @property {number} concurrency
 * @property {string} cpu
 * @property {string} memory
 * @property {string} timeout
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
 * @property {string[]} firestore collections; empty when it keeps none
 * @property {Record<string, EnvValue>} env
 * @property {number} localPort
 * @property {Resources} resources
 */
/**
 * @typedef {object} Topology
 * @property {FunctionSpec[]} functions every function, callees before their callers (deploy order)
 * @property {FunctionSpec[]} declared every function, in the order topology.json lists them
 * @property {(name: string) => FunctionSpec} get
 */

const INGRESS = ['all', 'internal-only', 'internal-and-gclb'];
const NAME = /^[a-z][a-z0-9-]{0,48}$/;
const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
// Set from the topology, never by hand: the function's identity and who may call it.
const DERIVED_ENV = [
  'GOOGLE_CLOUD_PROJECT',
  'AUTH_MODE',
  'SELF_URL',
  'ALLOWED_CALLERS',
];

class TopologyError extends Error {
  /** @param {string[]} problems */
  constructor(problems) {
    super(`Invalid topology:\n  ${problems.join('\n  ')}`);
    this.name = 'TopologyError';
    this.problems = problems;
  }
}

/** topology.json at the root of the project, from the source tree or from build/. */
function defaultFile() {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'topology.json');
    if (fs.existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw new Error('topology.json not found');
  }
}

/**
 * Reads and checks a topology file.
 * @param {string} [file] topology.json of this project by default
 * @returns {Topology}
 */
function loadTopology(file = defaultFile()) {
  return parseTopology(JSON.parse(fs.readFileSync(file, 'utf8')));
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
    const list = (
      /** @type {string} */ field,
      /** @type {boolean} */ optional,
    ) => {
      const value = f?.[field] ?? (optional ? [] : undefined);
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
    const calls = list('calls', false);
    for (const callee of calls) {
      if (!names.has(callee))
        fail(at('calls'), `names no function "${callee}"`);
      if (callee === name) fail(at('calls'), 'a function does not call itself');
    }
    /** @type {Record<string, EnvValue>} */
    const env = {};
    for (const [key, value] of Object.entries(f?.env ?? {})) {
      if (!ENV_NAME.test(key))
        fail(at(`env.${key}`), 'must be an UPPER_CASE name');
      if (DERIVED_ENV.includes(key))
        fail(at(`env.${key}`), 'is derived from the topology');
      if (typeof value === 'string') env[key] = value;
      else if (typeof value?.urlOf === 'string' && names.has(value.urlOf))
        env[key] = {urlOf: value.urlOf};
      else
        fail(at(`env.${key}`), 'must be a string or {"urlOf": "<function>"}');
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
      firestore: list('firestore', true),
      env,
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
      if (seen.has(value))
        fail(`${s.name}.${field}`, `is also ${seen.get(value)}'s`);
      seen.set(value, s.name);
    }
  };
  unique('serviceAccount', s => s.serviceAccount);
  unique('localPort', s => s.localPort);

  const byName = new Map(specs.map(s => [s.name, s]));
  for (const caller of specs)
    for (const callee of caller.calls)
      byName.get(callee)?.invokers.push(caller.name);

  // A function is deployed after every function whose URL it needs or that it calls.
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
    for (const dep of dependencies(s)) {
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

/** @param {FunctionSpec} spec */
function dependencies(spec) {
  const urls = Object.values(spec.env).flatMap(v =>
    typeof v === 'string' ? [] : [v.urlOf],
  );
  return [...new Set([...spec.calls, ...urls])];
}

/**
 * The email of a service account.
 * @param {string} accountId
 * @param {string} projectId
 */
function serviceAccountEmail(accountId, projectId) {
  return `${accountId}@${projectId}.iam.gserviceaccount.com`;
}

/**
 * The environment a function is deployed with: its project, its own
 * variables, the URLs it needs, and for a function that checks its callers,
 * its own URL and the accounts allowed to call it.
 * @param {Topology} topology
 * @param {string} name
 * @param {{projectId: string, urls: Record<string, string>, authMode?: string}} where
 *   urls: the URLs known so far (its own and those it needs)
 * @returns {Record<string, string>} in a stable order
 */
function functionEnv(topology, name, where) {
  const spec = topology.get(name);
  const url = (/** @type {string} */ fn) => {
    const value = where.urls[fn];
    if (value === undefined) throw new Error(`${name} needs the URL of ${fn}`);
    return value;
  };
  /** @type {Record<string, string>} */
  const env = {GOOGLE_CLOUD_PROJECT: where.projectId};
  for (const [key, value] of Object.entries(spec.env))
    if (typeof value === 'string') env[key] = value;
  if (!spec.allowUnauthenticated) {
    env.AUTH_MODE = where.authMode ?? 'platform';
    env.SELF_URL = url(name);
    env.ALLOWED_CALLERS = spec.invokers
      .map(caller =>
        serviceAccountEmail(
          topology.get(caller).serviceAccount,
          where.projectId,
        ),
      )
      .join(',');
  }
  for (const [key, value] of Object.entries(spec.env))
    if (typeof value !== 'string') env[key] = url(value.urlOf);
  return env;
}

/**
 * gcloud's flags for a function's scaling and resources.
 * @param {FunctionSpec} spec
 */
function resourceFlags(spec) {
  const r = spec.resources;
  return [
    `--max-instances=${r.maxInstances}`,
    `--concurrency=${r.concurrency}`,
    `--cpu=${r.cpu}`,
    `--memory=${r.memory}`,
    `--timeout=${r.timeout}`,
  ];
}

/** @param {string} value */
const quote = value => `'${value.replace(/'/g, "'\\''")}'`;

/**
 * Bash declarations of the topology, for scripts/common.sh to `eval`.
 * @param {Topology} topology
 */
function shellDeclarations(topology) {
  const fns = topology.functions;
  const stores = topology.declared.filter(s => s.firestore.length > 0);
  /** @param {(s: FunctionSpec) => string} of */
  const map = of =>
    `(${fns.map(s => `[${s.name}]=${quote(of(s))}`).join(' ')})`;
  /** @param {string[]} items */
  const array = items => `(${items.map(quote).join(' ')})`;
  return [
    `FUNCTIONS=${array(fns.map(s => s.name))}`,
    `declare -A ENTRY_POINT=${map(s => s.entryPoint)}`,
    `declare -A SERVICE_ACCOUNT_ID=${map(s => s.serviceAccount)}`,
    `declare -A INGRESS=${map(s => s.ingress)}`,
    `declare -A ALLOW_UNAUTHENTICATED=${map(s => String(s.allowUnauthenticated))}`,
    `declare -A VPC_EGRESS=${map(s => String(s.vpcEgress))}`,
    `declare -A INVOKERS=${map(s => s.invokers.join(' '))}`,
    `declare -A RESOURCE_FLAGS=${map(s => resourceFlags(s).join(' '))}`,
    `FIRESTORE_FUNCTIONS=${array(stores.map(s => s.name))}`,
    `COLLECTIONS=${array(stores.flatMap(s => s.firestore))}`,
  ].join('\n');
}

const README_START =
  '<!-- topology: generated by `npm run readme`, from topology.json -->';
const README_END = '<!-- end of topology -->';

/**
 * The README's picture and table of the functions, made from the topology.
 * @param {Topology} topology
 */
function readmeBlock(topology) {
  const fns = topology.declared;
  const list = (/** @type {string[]} */ items) =>
    items.length > 0 ? items.join(', ') : 'nobody';
  const graph = [
    '```mermaid',
    'flowchart LR',
    ...fns.map(
      f =>
        `    ${f.name}[${f.name}<br/>SA ${f.serviceAccount}<br/>ingress: ${f.ingress}]`,
    ),
    ...fns.map(f =>
      f.ingress === 'all'
        ? `    Client([Client]) -->|HTTPS${f.allowUnauthenticated ? ', public' : ''}| ${f.name}`
        : `    Client([Client]) -.->|blocked| ${f.name}`,
    ),
    ...fns.flatMap(f =>
      f.calls.map(c => `    ${f.name} -->|ID token aud=${c} URL| ${c}`),
    ),
    ...fns
      .filter(f => f.firestore.length > 0)
      .map(
        f =>
          `    ${f.name} --- ${f.name}_store[(Firestore<br/>${f.firestore.join(', ')})]`,
      ),
    '```',
  ];
  const rows = fns.map(f => {
    const r = f.resources;
    return [
      `\`${f.name}\``,
      `\`${f.serviceAccount}\``,
      `\`${f.ingress}\``,
      f.allowUnauthenticated ? 'anyone (public)' : list(f.invokers),
      list(f.calls),
      f.vpcEgress ? 'through the connector' : 'none',
      f.firestore.length > 0 ? f.firestore.join(', ') : 'none',
      `${r.maxInstances} / ${r.concurrency} / ${r.cpu} / ${r.memory} / ${r.timeout}`,
    ];
  });
  return [
    ...graph,
    '',
    '| Function | Service account | Ingress | Who may call it | Calls | Egress | Firestore | max instances / concurrency / CPU / memory / timeout |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(cells => `| ${cells.join(' | ')} |`),
  ].join('\n');
}

/**
 * `text` (the README) with its topology block replaced by `block`.
 * @param {string} text
 * @param {string} block
 */
function withBlock(text, block) {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start)
    throw new Error('README.md has no topology markers');
  return `${text.slice(0, start + README_START.length)}\n${block}\n${text.slice(end)}`;
}

/** @param {string[]} argv */
function main(argv) {
  const [command, ...args] = argv;
  const topology = loadTopology();
  if (command === 'shell' && args.length === 0) {
    return shellDeclarations(topology);
  }
  if (command === 'env' && args.length >= 2) {
    const [name, projectId, ...pairs] = args;
    /** @type {Record<string, string>} */
    const urls = {};
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      urls[pair.slice(0, at)] = pair.slice(at + 1);
    }
    return Object.entries(functionEnv(topology, name, {projectId, urls}))
      .map(([key, value]) => `${key}=${value}`)
      .join(';');
  }
  if (command === 'readme' && args.length === 0) {
    const readme = path.join(path.dirname(defaultFile()), 'README.md');
    const text = fs.readFileSync(readme, 'utf8');
    fs.writeFileSync(readme, withBlock(text, readmeBlock(topology)));
    return `${readme}: topology written`;
  }
  throw new Error(
    'usage: topology.js shell | env FUNCTION PROJECT [NAME=URL...] | readme',
  );
}

if (require.main === module) {
  try {
    process.stdout.write(main(process.argv.slice(2)) + '\n');
  } catch (e) {
    process.stderr.write(
      `topology.js: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(2);
  }
}

module.exports = {
  loadTopology,
  parseTopology,
  functionEnv,
  resourceFlags,
  serviceAccountEmail,
  shellDeclarations,
  readmeBlock,
  withBlock,
  TopologyError,
};

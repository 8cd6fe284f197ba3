#!/usr/bin/env node
// @ts-check
/**
 * Fills Node.js's module compile cache (V8's code cache on disk,
 * NODE_COMPILE_CACHE) with the modules a function instance loads: the
 * Functions Framework and Express, the functions' own code, the Firestore
 * client over either transport. An instance started with
 * NODE_COMPILE_CACHE pointing here compiles none of them again, and
 * compiling is much of what a cold start does.
 *
 * Run on Cloud Build by gcp-build, after tsc, with the Node.js that runs npm
 * there ($npm_node_execpath): the runtime's own, whose version keys the
 * cache (one made by another version, such as the `node` devDependency's,
 * is ignored, never wrong). deploy.sh sets NODE_COMPILE_CACHE for every
 * function. Locally the benchmark runs it before its cold starts, and the
 * stack's functions add to it as they exit.
 * Portable: entries are keyed by paths relative to the cache, so it holds
 * wherever the project sits.
 *
 * Two steps: this process loads every module (V8 caches what it compiled
 * up front), then each function the deployed entry point exports (it runs
 * where no topology.json is: Cloud Build's upload) starts once, as the
 * framework starts it, on a loopback port, and answers its health check
 * before it is stopped: V8 caches too what the start compiled as it ran.
 * No function calls anything: none has a caller's request to act on.
 *
 * Usage: node scripts/compile-cache.js [directory, default .compile-cache]
 */
'use strict';
const {spawn} = require('node:child_process');
const {readdirSync} = require('node:fs');
const Module = require('node:module');
const {createServer} = require('node:net');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const directory = path.resolve(ROOT, process.argv[2] || '.compile-cache');

/**
 * Every .js file under `dir`, but those `skip` names.
 * @param {string} dir
 * @param {string[]} skip
 */
function jsFiles(dir, skip = []) {
  return readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter(f => f.endsWith('.js') && !skip.includes(f))
    .map(f => path.join(dir, f));
}

async function main() {
  if (typeof Module.enableCompileCache !== 'function')
    throw new Error(`Node.js ${process.version} has none (22.1 and later do)`);
  const result = Module.enableCompileCache({directory, portable: true});
  if (result.directory === undefined)
    throw new Error(`No compile cache: ${result.message}`);
  // build/src/index.js, the package's main.
  const framework = path.join(
    require.resolve('@google-cloud/functions-framework'),
    '..',
    '..',
    '..',
  );
  // The framework's CLI starts a server when loaded: every module but it.
  for (const file of jsFiles(path.join(framework, 'build', 'src'), [
    'main.js',
    'testing.js',
  ]))
    require(file);
  for (const file of jsFiles(path.join(ROOT, 'build', 'functions')))
    require(file);
  // Loaded by a function's first request that needs them: google-auth-library
  // and gaxios (auth/google-auth.ts, service-client.ts), with the fetch
  // gaxios imports on its first call (node-fetch, resolved as gaxios
  // resolves it); on its first read or write, the Firestore client, its
  // REST transport and its gRPC one; at its first export, the OTLP exporter.
  require('google-auth-library');
  require('gaxios');
  await import(
    require('node:url').pathToFileURL(
      require.resolve('node-fetch', {
        paths: [path.dirname(require.resolve('gaxios'))],
      }),
    ).href
  );
  require('@google-cloud/firestore');
  require('google-gax/fallback');
  require('@grpc/grpc-js');
  require('@opentelemetry/exporter-trace-otlp-http');
  Module.flushCompileCache();
  // What the deployed entry point exports: no topology.json is uploaded.
  const entry = path.join(ROOT, 'build', 'functions', 'index.cjs');
  const {urlVariable} = require(
    path.join(ROOT, 'build', 'functions', 'common', 'platform', 'variables.js'),
  );
  const names = Object.keys(require(entry));
  for (const name of names) {
    const others = names.filter(n => n !== name);
    await startOnce(framework, name, {
      GOOGLE_CLOUD_PROJECT: 'compile-cache',
      // Anyone may ask its health check, which answers before any token.
      ALLOWED_CALLERS: 'anyone',
      // No function calls anything here: it may call any other, at any URL.
      CALLS: others.join(','),
      ...Object.fromEntries(
        others.map(n => [urlVariable(n), 'http://127.0.0.1:9']),
      ),
      // Each function that keeps data opens its own at start: any id will do.
      FIRESTORE_DATABASE: 'compile-cache',
      LOG_LEVEL: 'error',
      NODE_COMPILE_CACHE: directory,
    });
  }
}

/**
 * A free loopback port.
 * @returns {Promise<number>}
 */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const {port} = /** @type {import('node:net').AddressInfo} */ (
        server.address()
      );
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts the function `name` as the framework does, with `env`, until its
 * health check answers.
 * @param {string} framework the framework's folder
 * @param {string} name its entry point
 * @param {Record<string, string>} env
 */
async function startOnce(framework, name, env) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(framework, 'build', 'src', 'main.js'),
      `--target=${name}`,
      `--port=${port}`,
    ],
    {
      cwd: ROOT,
      env: {PATH: process.env.PATH, ...env},
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise(resolve => child.on('exit', resolve));
  try {
    for (let tries = 0; ; tries++) {
      if (child.exitCode !== null)
        throw new Error(`${name} exited with code ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        res => res.ok,
        () => false,
      );
      if (ok) break;
      if (tries === 600) throw new Error(`${name} did not answer in 30 s`);
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  } finally {
    // On SIGTERM the function exits cleanly, and Node.js writes the cache.
    child.kill('SIGTERM');
    await exited;
  }
}

main().catch(e => {
  process.stderr.write(`compile-cache: ${e.message}\n`);
  process.exit(1);
});

/**
 * `npm start`: the whole stack on this machine until Ctrl-C.
 * Env: STACK_MODE (cloud: behind local Cloud Run front ends, as deployed;
 * verify: the functions check tokens themselves), <NAME>_PORT for each
 * function (topology.json's localPort: GATEWAY_PORT 8080, USER_PORT 8081,
 * ORDER_PORT 8082), CONNECTOR_PORT (8088, cloud mode), FIRESTORE_EMULATOR_HOST
 * (use a running emulator instead of starting one), GOOGLE_CLOUD_PROJECT
 * (local-s2s), LOG_LEVEL (info), LOG_FORMAT (readable: a line per request;
 * json: the Cloud Logging lines as written; they are always kept in
 * .local/logs/<name>.log), CONSOLE_PORT (8090), END_USER_AUTH (on: every
 * route but GET / wants a signed-in end user's ID token; off: the original
 * demo's open API).
 * Arguments: --except <name>[,<name>...] leaves those functions to be run
 * by hand (npm run env -- <name>), in their place in the stack.
 * The banner's "Stack ready in N s" counts from `npm start` itself, its
 * build check (`tsc -b`, which compiles only what changed) included.
 */
import * as path from 'node:path';
import {loadTopology} from '../scripts/topology';
import {tryCommands} from './banner';
import {commandStartedAt} from './command-start';
import {handRunCommand} from './env';
import {runtimeMajor} from './runtime';
import {ROOT, startStack, type StackMode} from './stack';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  const n = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`${name} must be a port number, got "${value}"`);
  }
  return n;
}

function logFormat(): 'readable' | 'json' {
  const value = process.env.LOG_FORMAT || 'readable';
  if (value !== 'readable' && value !== 'json')
    throw new Error(`LOG_FORMAT must be readable or json, got "${value}"`);
  return value;
}

function endUserAuth(): 'on' | 'off' {
  const value = process.env.END_USER_AUTH || 'on';
  if (value !== 'on' && value !== 'off')
    throw new Error(`END_USER_AUTH must be on or off, got "${value}"`);
  return value;
}

/** The functions `--except` leaves to be run by hand. */
function handRun(argv: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag !== '--except')
      throw new Error(
        `unknown argument "${argv[i]}" (npm start [-- --except <function>[,<function>]])`,
      );
    const value = inline ?? argv[++i];
    if (value === undefined || value === '')
      throw new Error('--except needs a function name');
    names.push(...value.split(',').filter(n => n !== ''));
  }
  return names;
}

function stackMode(): StackMode {
  const value = process.env.STACK_MODE || 'cloud';
  if (value !== 'cloud' && value !== 'verify')
    throw new Error(`STACK_MODE must be cloud or verify, got "${value}"`);
  return value;
}

async function main(): Promise<void> {
  const started = commandStartedAt();
  const stackFile = path.join(ROOT, '.local', 'stack.json');
  const topology = loadTopology();
  const mode = stackMode();
  const endUsersOn = endUserAuth() === 'on';
  const except = handRun(process.argv.slice(2));
  const stack = await startStack({
    mode,
    handRun: except,
    endUserAuth: endUsersOn ? 'on' : 'off',
    topology,
    projectId: process.env.GOOGLE_CLOUD_PROJECT || 'local-s2s',
    ports: Object.fromEntries(
      topology.declared.map(f => [
        f.name,
        port(`${f.name.toUpperCase().replace(/-/g, '_')}_PORT`, f.localPort),
      ]),
    ),
    connectorPort: mode === 'cloud' ? port('CONNECTOR_PORT', 8088) : undefined,
    firestoreHost: process.env.FIRESTORE_EMULATOR_HOST || undefined,
    logLevel: process.env.LOG_LEVEL,
    logs: path.join(ROOT, '.local', 'logs'),
    print: logFormat(),
    consolePort: port('CONSOLE_PORT', 8090),
    stackFile,
  });
  const {info} = stack;
  const urlOf = (name: string) => stack.layout.urls[name];
  const who = (name: string) => {
    const spec = topology.get(name);
    const access = spec.allowUnauthenticated
      ? 'public'
      : `callers: ${spec.invokers.join(', ') || 'nobody'}`;
    return `ingress ${spec.ingress}, ${access}`;
  };
  const functions = topology.declared
    .map(
      f =>
        `  ${f.name.padEnd(8)} ${urlOf(f.name)}   (${who(f.name)})` +
        (mode === 'cloud'
          ? `\n  ${''.padEnd(8)} behind its front end: ${info.listens[f.name]}`
          : ''),
    )
    .join('\n');
  const byHand = except
    .map(
      name => `The ${name} function is yours to run: the stack waits for it on ${info.listens[name]}.
  ${handRunCommand(name, topology.get(name).entryPoint)}
  (under a debugger: npx node --inspect node_modules/.bin/functions-framework --target=${topology.get(name).entryPoint} | npm run -s logs -- ${name};
   on every change: npx tsc -w -p . in another terminal, and npx node --watch in place of npx node)
`,
    )
    .join('\n');
  const consoleUrl = `http://localhost:${new URL(info.console ?? '').port}`;
  const {endUsers} = info;
  const people = endUsers.accounts
    .map(
      a =>
        `  ${a.email.padEnd(18)} password ${a.password}   uid ${a.uid}${a.admin ? '   admin' : ''}`,
    )
    .join('\n');
  const signIn = endUsersOn
    ? `End users sign in at the local Identity Platform (${endUsers.identityToolkit}, key ${endUsers.apiKey}):
${people}
  TOKEN=$(npm run -s token -- bob@example.com)     # Bob's ID token (accounts:signInWithPassword)
  ADMIN=$(npm run -s token -- alice@example.com)   # Alice is an admin (custom claim role: "admin")

`
    : `END_USER_AUTH=off: no end-user token needed anywhere (the original demo's open API).

`;
  const tryLines = tryCommands(info, mode, endUsersOn);
  process.stdout.write(`
Stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s, ${mode} mode (details in ${path.relative(ROOT, stackFile)}).

  console  ${consoleUrl}   (topology, live requests, traces)
  runtime  Node.js ${process.versions.node} for every function (Google Cloud: nodejs${runtimeMajor()}), each within its memory limit

${functions}
  firestore emulator ${info.firestore}   databases: ${Object.entries(
    info.databases,
  )
    .map(([fn, db]) => `${db} (${fn})`)
    .join(', ')}
${mode === 'cloud' ? `  vpc connector      ${info.connector}   (curl -x http://${info.connector} ...)\n` : ''}
${byHand === '' ? '' : `${byHand}\n`}${signIn}Try:
${tryLines}

Logs: one line per request here (LOG_FORMAT=json for the JSON), the JSON in .local/logs/.
Ctrl-C stops everything.
`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the stack...\n`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(
    `npm start failed: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
});

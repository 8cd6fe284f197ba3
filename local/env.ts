/**
 * `npm run env -- <function>`: the environment one function needs to run by
 * hand against the running stack, as `export` lines for a POSIX shell:
 *
 *   npm start -- --except gateway          # in one terminal
 *   eval "$(npm run -s env -- gateway)"    # in another
 *   npx functions-framework --target=gateway
 *
 * The variables are those the stack itself starts the function with
 * (functionEnv, written to .local/stack.json; FUNCTION_SOURCE among them,
 * so that the framework starts the stack's entry point, which reads the
 * stack's switches such as EGRESS_PROXY), plus PORT, the port its
 * place in the stack listens on (behind its front end in cloud mode), and
 * NODE_OPTIONS preloading the loopback-only guard. STACK_FILE points at
 * another stack.json.
 */
import {existsSync, readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ROOT} from './functions';
import type {StackInfo} from './stack-info';

/**
 * The command that runs the function `name` (entry point `target`) by hand
 * in the running stack, as the stack's notice, the banner and the docs give
 * it: its environment from the stack (which sends its spans to the
 * console), the framework's CLI, and its lines made readable (`npm run
 * logs`, hand-logs.ts).
 */
export function handRunCommand(name: string, target = name): string {
  // -s: without it npm prints its own lines first, which eval would run.
  return `eval "$(npm run -s env -- ${name})" && npx functions-framework --target=${target} | npm run -s logs -- ${name}`;
}

/** The running stack's stack.json: STACK_FILE, or .local/stack.json. */
export function stackFile(): string {
  return process.env.STACK_FILE ?? path.join(ROOT, '.local', 'stack.json');
}

/** `value` quoted for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** The export lines of `name`'s environment in the stack `info`. */
export function exportLines(info: StackInfo, name: string): string {
  const env = info.env?.[name];
  if (env === undefined)
    throw new Error(
      `No function "${name}" in the running stack (there are ${Object.keys(info.env ?? {}).join(', ')}).`,
    );
  return Object.entries(env)
    .map(([key, value]) => `export ${key}=${shellQuote(value)}`)
    .join('\n');
}

function main(): void {
  const name = process.argv[2];
  const file = stackFile();
  if (name === undefined || name.startsWith('-')) {
    process.stderr.write(
      'Usage: npm run -s env -- <function>   (e.g. eval "$(npm run -s env -- gateway)")\n',
    );
    process.exit(2);
  }
  if (!existsSync(file)) {
    process.stderr.write(
      `No running stack (${path.relative(process.cwd(), file)} is missing): start it first, without the function you will run, e.g. npm start -- --except ${name}\n`,
    );
    process.exit(1);
  }
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
    process.stdout.write(exportLines(info, name) + '\n');
  } catch (e: unknown) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}

if (require.main === module) main();

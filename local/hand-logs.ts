/**
 * `npm run logs -- <function>`: the log lines of a function run by hand, as
 * the stack shows those of the functions it runs. It reads the function's
 * output on stdin (the hand-run command pipes it here), prints one readable
 * line per request (the JSON with LOG_FORMAT=json), and sends each line on
 * to the running stack's console, so that the function's requests are in
 * its live list and traces. STACK_FILE points at another stack.json.
 *
 *   eval "$(npm run -s env -- gateway)" && npx functions-framework --target=gateway | npm run -s logs -- gateway
 */
import {existsSync, readFileSync} from 'node:fs';
import {z} from 'zod';
import {stackFile} from './env';
import {lineSplitter, readableLine} from './logs';

/** The console of the running stack, when there is one. */
function consoleUrl(): string | undefined {
  const file = stackFile();
  if (!existsSync(file)) return undefined;
  const info = z
    .object({console: z.string().optional()})
    .safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return info.success ? info.data.console : undefined;
}

function main(): void {
  const name = process.argv[2];
  if (name === undefined || name.startsWith('-')) {
    process.stderr.write(
      'Usage: <a function run by hand> | npm run -s logs -- <function>\n',
    );
    process.exit(2);
  }
  const target = consoleUrl();
  const json = process.env.LOG_FORMAT === 'json';
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  // The console gets each line in order; one that is down loses them.
  let sending = Promise.resolve();
  const send = (line: string) => {
    if (target === undefined) return;
    sending = sending.then(() =>
      fetch(`${target}/api/lines`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({source: name, lines: [line]}),
      }).then(
        res => void res.body?.cancel(),
        () => undefined,
      ),
    );
  };
  const split = lineSplitter(line => {
    const shown = json ? line : readableLine(name, line, color);
    if (shown !== undefined) process.stdout.write(shown + '\n');
    send(line);
  });
  process.stdin.on('data', split.push);
  process.stdin.on('end', split.flush);
}

if (require.main === module) main();

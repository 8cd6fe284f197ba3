/**
 * `npm run logs -- <function>`: the log lines of a function run by hand, as
 * the stack shows those of the functions it runs. It reads the function's
 * output on stdin (the hand-run command pipes it here) and prints one
 * readable line per request (the JSON with LOG_FORMAT=json). The
 * function's requests reach the console's live list and traces without
 * it: the function exports its spans there itself (its environment, from
 * `npm run env`, names the console's OTLP receiver).
 *
 *   eval "$(npm run -s env -- gateway)" && npx functions-framework --target=gateway | npm run -s logs -- gateway
 */
import {lineSplitter, readableLine} from './logs';

function main(): void {
  const name = process.argv[2];
  if (name === undefined || name.startsWith('-')) {
    process.stderr.write(
      'Usage: <a function run by hand> | npm run -s logs -- <function>\n',
    );
    process.exit(2);
  }
  const json = process.env.LOG_FORMAT === 'json';
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const split = lineSplitter(line => {
    const shown = json ? line : readableLine(name, line, color);
    if (shown !== undefined) process.stdout.write(shown + '\n');
  });
  process.stdin.on('data', split.push);
  process.stdin.on('end', split.flush);
}

if (require.main === module) main();

/**
 * Every `curl` line of the README and the docs that runs against the local
 * stack runs here, and every one `npm start` prints under "Try:", against a
 * stack started as `npm start` starts it (cloud mode), with Bob's and
 * Alice's tokens in TOKEN and ADMIN as the docs set them: a line whose
 * comment names a status must get it, any other a 2xx. A doc line that goes
 * wrong fails here. Only the ports differ: the docs' (each function's
 * localPort, the connector's 8088) are this stack's.
 */
import {expect} from 'chai';
import {readdirSync, readFileSync} from 'node:fs';
import * as path from 'node:path';
import {tryCommands} from '../../local/banner';
import {ROOT, startStack, type Stack} from '../../local/stack';
import {uniqueProjectId} from '../fixtures/emulator';
import {runProcess} from '../fixtures/run-process';

/** The port `npm start` gives the connector (local/start.ts, CONNECTOR_PORT). */
const CONNECTOR_PORT = 8088;

interface Example {
  /** Where it is written: file and line. */
  where: string;
  command: string;
  /** What the lines before it in its block set that it uses (SA=$(curl …)). */
  setup: string[];
  /** The status its comment names; undefined: any 2xx. */
  status?: number;
}

/**
 * The curl commands of a Markdown file's bash blocks that go to the local
 * stack, continuation lines joined, each with the status its comment names.
 */
function examplesOf(file: string, text: string): Example[] {
  const examples: Example[] = [];
  let setup: string[] = [];
  let inBash = false;
  let pending: {line: number; text: string} | undefined;
  text.split('\n').forEach((raw, i) => {
    if (raw.startsWith('```')) {
      inBash = !inBash && raw.trim() === '```bash';
      setup = [];
      return;
    }
    if (!inBash) return;
    const line = pending ? `${pending.text} ${raw.trim()}` : raw.trim();
    const start = pending?.line ?? i + 1;
    if (line.endsWith('\\')) {
      pending = {line: start, text: line.slice(0, -1).trimEnd()};
      return;
    }
    pending = undefined;
    // A variable set from a call to the stack, for the lines after it.
    if (/^[A-Z]+=\$\(curl /.test(line)) setup = [...setup, line];
    if (!line.startsWith('curl ') || !/(localhost|127\.0\.0\.1):\d/.test(line))
      return;
    const comment = /\s+#\s+(.*)$/.exec(line);
    const status = comment && /^(\d{3})\b/.exec(comment[1]);
    examples.push({
      where: `${file}:${start}`,
      command: comment ? line.slice(0, comment.index) : line,
      setup,
      status: status ? Number(status[1]) : undefined,
    });
  });
  return examples;
}

const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter(f => f.endsWith('.md'))
    .map(f => path.join('docs', f)),
];

describe("the docs' examples, run against the stack", function () {
  this.timeout(120_000);
  let stack: Stack;
  const examples = DOCS.flatMap(file =>
    examplesOf(file, readFileSync(path.join(ROOT, file), 'utf8')),
  );

  before(async () => {
    stack = await startStack({
      mode: 'cloud',
      projectId: uniqueProjectId('docs'),
      firestoreHost: process.env.FIRESTORE_EMULATOR_HOST,
    });
  });
  after(() => stack?.stop());

  it('finds the examples it runs, in the README and the docs', () => {
    const files = new Set(examples.map(e => e.where.split(':')[0]));
    expect([...files]).to.include.members([
      'README.md',
      path.join('docs', 'add-a-route.md'),
      path.join('docs', 'api.md'),
      path.join('docs', 'identity.md'),
    ]);
    expect(examples.length).to.be.greaterThan(10);
  });

  /**
   * Runs each of `list` in bash after its setup, with `hosts` (port →
   * host:port) put in place of the ports it names; resolves to a line per
   * example that did not get its status.
   */
  async function failuresOf(
    list: Example[],
    hosts: [string, string][],
  ): Promise<string[]> {
    const {identity} = stack;
    const env = {
      PATH: process.env.PATH ?? '',
      TOKEN: identity.toolkit.idTokenFor('bob@example.com'),
      ADMIN: identity.toolkit.idTokenFor('alice@example.com'),
    };
    const failures: string[] = [];
    for (const example of list) {
      let script = [
        ...example.setup,
        `${example.command} -s -o /dev/null -w '%{http_code}'`,
      ].join('\n');
      for (const [port, host] of hosts)
        script = script.replace(
          new RegExp(`(localhost|127\\.0\\.0\\.1):${port}\\b`, 'g'),
          host,
        );
      const result = await runProcess('bash', ['-c', script], env);
      const status = Number(result.stdout.trim());
      const ok =
        example.status === undefined
          ? status >= 200 && status < 300
          : status === example.status;
      if (!ok)
        failures.push(
          `${example.where}: ${status}, expected ${example.status ?? '2xx'}: ${example.command}`,
        );
    }
    return failures;
  }

  it("answers each of the docs' as its comment says, a 2xx where it says none", async () => {
    const {info, layout} = stack;
    // The docs' ports, this stack's addresses.
    const hosts: [string, string][] = [
      ...layout.topology.functions.map(
        f =>
          [String(f.localPort), new URL(info.urls[f.name]).host] as [
            string,
            string,
          ],
      ),
      [String(CONNECTOR_PORT), info.connector!],
    ];
    expect(await failuresOf(examples, hosts)).to.deep.equal([]);
  });

  it("answers each line of npm start's Try: as its comment says", async () => {
    const banner = examplesOf(
      'banner',
      ['```bash', tryCommands(stack.info, 'cloud', true), '```'].join('\n'),
    );
    // Every kind the banner shows: as Bob, as Alice, refused outside, inside.
    expect(banner.map(e => e.status)).to.include.members([
      undefined,
      404,
      401,
      403,
    ]);
    expect(banner.filter(e => e.setup.length > 0)).to.have.length.greaterThan(
      0,
    );
    expect(await failuresOf(banner, [])).to.deep.equal([]);
  });
});

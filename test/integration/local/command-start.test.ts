/**
 * The time `npm start`'s banner counts from: the start of npm itself, read
 * from Linux's /proc for real processes, or this process's own start.
 */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import * as path from 'node:path';
import {performance} from 'node:perf_hooks';
import {commandStartedAt} from '../../../local/command-start';
import {ROOT} from '../../../local/stack';

const PROBE = `
const {performance} = require('node:perf_hooks');
const {commandStartedAt} = require(${JSON.stringify(path.join(ROOT, 'build', 'local', 'command-start.js'))});
console.log(JSON.stringify({since: Date.now() - commandStartedAt(), own: performance.now()}));
`;

describe('commandStartedAt', () => {
  it('is the start of the first process up the chain that runs no npm script: npm', function () {
    if (!existsSync('/proc/self/stat')) this.skip();
    this.timeout(30_000);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_BIN: process.execPath,
      PROBE,
    };
    delete env.npm_lifecycle_event;
    // A shell standing for npm waits a second, then starts the script's
    // shell, which waits another and starts node. The trailing commands
    // keep each shell from becoming the next (exec): three processes.
    const began = Date.now();
    const run = spawnSync(
      'sh',
      [
        '-c',
        'sleep 1; npm_lifecycle_event=start sh -c \'sleep 1; "$NODE_BIN" -e "$PROBE"; exit $?\'; exit $?',
      ],
      {env, encoding: 'utf8'},
    );
    const took = Date.now() - began;
    expect(run.status, run.stderr).to.equal(0);
    const {since, own} = JSON.parse(run.stdout) as {since: number; own: number};
    // Both sleeps, and no more than the whole run (/proc counts in 10 ms ticks).
    expect(since)
      .to.be.at.least(1980)
      .and.at.most(took + 20);
    // Not node's own start, a second after the script's shell began.
    expect(since - own).to.be.at.least(1900);
  });

  it("is this process's own start when npm did not start it", () => {
    expect(commandStartedAt({})).to.equal(performance.timeOrigin);
  });

  it("is this process's own start where /proc cannot be read", () => {
    expect(
      commandStartedAt({npm_lifecycle_event: 'start'}, '/nonexistent'),
    ).to.equal(performance.timeOrigin);
  });
});

/**
 * Log lines in batches (the tuning line of tuning/batched-log-lines.ts):
 * written together when requests overlap, never held while idle, none lost
 * at exit.
 */
import {expect} from 'chai';
import * as path from 'node:path';
import * as sinon from 'sinon';
import {LineBuffer} from '../../../../../functions/common/tuning/batched-log-lines';
import {runProcess} from '../../../../fixtures/run-process';

/** The compiled project, from build/test/integration/functions/common/tuning/. */
const BUILD = path.resolve(__dirname, '..', '..', '..', '..', '..');

describe('tuning/batched-log-lines', () => {
  describe('LineBuffer', () => {
    let clock: sinon.SinonFakeTimers;
    let chunks: string[];
    const buffer = (maxDelayMs?: number, maxChars?: number) =>
      new LineBuffer(chunk => chunks.push(chunk), maxDelayMs, maxChars);
    /** Ends the current turn of the event loop (runs what setImmediate queued). */
    const endTurn = () => clock.tick(0);

    beforeEach(() => {
      chunks = [];
      clock = sinon.useFakeTimers();
    });
    afterEach(() => clock.restore());

    it('with no request in flight, writes the lines of one turn as one chunk, in order, when the turn ends', () => {
      const out = buffer();
      out.add('a\n');
      out.add('b\n');
      expect(chunks).to.deep.equal([]);
      endTurn();
      expect(chunks).to.deep.equal(['a\nb\n']);
      out.add('c\n');
      endTurn();
      expect(chunks).to.deep.equal(['a\nb\n', 'c\n']);
    });

    it('holds lines while requests are in flight and writes them at the end of the turn the last one ends', () => {
      const out = buffer();
      const first = out.hold();
      const second = out.hold();
      out.add('a\n');
      endTurn();
      first();
      endTurn();
      out.add('b\n');
      second();
      expect(chunks).to.deep.equal([]);
      endTurn();
      expect(chunks).to.deep.equal(['a\nb\n']);
    });

    it('counts a request once however often it is released', () => {
      const out = buffer();
      const first = out.hold();
      const second = out.hold();
      first();
      first();
      out.add('a\n');
      endTurn();
      expect(chunks).to.deep.equal([]);
      second();
      endTurn();
      expect(chunks).to.deep.equal(['a\n']);
    });

    it('holds a line no longer than maxDelayMs, even when a request stays in flight', () => {
      const out = buffer(100);
      out.hold();
      out.add('a\n');
      clock.tick(99);
      expect(chunks).to.deep.equal([]);
      clock.tick(1);
      expect(chunks).to.deep.equal(['a\n']);
      out.add('b\n');
      clock.tick(99);
      expect(chunks).to.deep.equal(['a\n']);
      clock.tick(1);
      expect(chunks).to.deep.equal(['a\n', 'b\n']);
    });

    it('writes at once when what it holds reaches maxChars', () => {
      const out = buffer(100, 8);
      out.hold();
      out.add('abc\n');
      expect(chunks).to.deep.equal([]);
      out.add('def\n');
      expect(chunks).to.deep.equal(['abc\ndef\n']);
      clock.tick(100);
      expect(chunks).to.deep.equal(['abc\ndef\n']);
    });
  });

  describe('installBatchedLogLines', () => {
    /** What a process that installs it (once, or `installs` times) then logs writes to stdout. */
    const run = (installs: number) =>
      runProcess(process.execPath, [
        '-e',
        `const {installBatchedLogLines} = require(${JSON.stringify(path.join(BUILD, 'functions/common/tuning/batched-log-lines.js'))});
         const {JsonLogger} = require(${JSON.stringify(path.join(BUILD, 'functions/common/telemetry/logger.js'))});
         for (let i = 0; i < ${installs}; i++) installBatchedLogLines();
         process.on('exit', () => process.stderr.write('exit listeners ' + process.listenerCount('exit')));
         const gateway = new JsonLogger('gateway');
         gateway.requestInFlight();
         gateway.log('INFO', 'first');
         process.stdout.write('written after it\\n');
         new JsonLogger('user').log('ERROR', 'second');
         process.exit(3);`,
      ]);

    it('makes the loggers built after it hold lines while a request is in flight, and loses none at exit, in order across loggers', async () => {
      const child = await run(1);
      expect(child.status, child.output).to.equal(3);
      expect(child.stdout.split('\n')).to.deep.equal([
        'written after it',
        '{"severity":"INFO","message":"first","service":"gateway"}',
        '{"severity":"ERROR","message":"second","service":"user"}',
        '',
      ]);
    });

    it('installs one buffer for the process however often it is called', async () => {
      const exitListeners = (output: string) =>
        /exit listeners (\d+)/.exec(output)?.[1];
      const once = await run(1);
      const thrice = await run(3);
      expect(exitListeners(once.output)).to.match(/^\d+$/);
      expect(exitListeners(thrice.output)).to.equal(exitListeners(once.output));
      expect(thrice.stdout).to.equal(once.stdout);
    });
  });
});

/** The request lines' way out: Cloud Logging JSON, written together when requests overlap, never held while idle. */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import * as sinon from 'sinon';
import {
  JsonLogger,
  LineBuffer,
  type Severity,
} from '../../../../../functions/common/telemetry/logger';

describe('logger', () => {
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

  describe('JsonLogger', () => {
    const sink = () => {
      const lines: string[] = [];
      let holds = 0;
      return {
        lines,
        holds: () => holds,
        add: (line: string) => lines.push(line),
        hold: () => {
          holds++;
          return () => undefined;
        },
      };
    };

    it('writes one JSON object per line with severity, message, service and fields, at or above its level', () => {
      const out = sink();
      const logger = new JsonLogger('order', 'info', out);
      logger.log('DEBUG', 'not kept');
      logger.log('INFO', 'kept', {requestId: 'r-1'});
      expect(out.lines).to.deep.equal([
        '{"severity":"INFO","message":"kept","service":"order","requestId":"r-1"}\n',
      ]);
    });

    it('says which severities it writes', () => {
      const info = new JsonLogger('order', 'info', sink());
      expect(
        (['DEBUG', 'INFO', 'WARNING', 'ERROR'] as Severity[]).map(s =>
          info.enabled(s),
        ),
      ).to.deep.equal([false, true, true, true]);
      const silent = new JsonLogger('order', 'silent', sink());
      expect(silent.enabled('ERROR')).to.equal(false);
    });

    it('holds its sink for a request in flight, unless it is silent', () => {
      const out = sink();
      new JsonLogger('order', 'info', out).requestInFlight();
      expect(out.holds()).to.equal(1);
      new JsonLogger('order', 'silent', out).requestInFlight();
      expect(out.holds()).to.equal(1);
    });

    it('loses no line when the process exits, held or not, and keeps the order across loggers', () => {
      const logger = path.join(
        __dirname,
        '../../../../../functions/common/telemetry/logger.js',
      );
      const child = spawnSync(
        process.execPath,
        [
          '-e',
          `const {JsonLogger} = require(${JSON.stringify(logger)});
           const gateway = new JsonLogger('gateway');
           gateway.requestInFlight();
           gateway.log('INFO', 'first');
           new JsonLogger('user').log('ERROR', 'second');
           process.exit(3);`,
        ],
        {encoding: 'utf8'},
      );
      expect(child.status).to.equal(3);
      expect(child.stdout.split('\n')).to.deep.equal([
        '{"severity":"INFO","message":"first","service":"gateway"}',
        '{"severity":"ERROR","message":"second","service":"user"}',
        '',
      ]);
    });
  });
});

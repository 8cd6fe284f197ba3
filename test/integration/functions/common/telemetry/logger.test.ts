/**
 * The request lines' way out: Cloud Logging JSON, each line written to
 * stdout at once.
 */
import {expect} from 'chai';
import * as path from 'node:path';
import {
  JsonLogger,
  type Severity,
} from '../../../../../functions/common/telemetry/logger';
import {runProcess} from '../../../../fixtures/run-process';

describe('logger', () => {
  describe('JsonLogger', () => {
    const sink = () => {
      const lines: string[] = [];
      return {lines, add: (line: string) => lines.push(line)};
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

    it('without a chosen sink, writes each line to stdout at once, and loses none at exit', async () => {
      const logger = path.join(
        __dirname,
        '../../../../../functions/common/telemetry/logger.js',
      );
      const child = await runProcess(process.execPath, [
        '-e',
        `const {JsonLogger} = require(${JSON.stringify(logger)});
         new JsonLogger('gateway').log('INFO', 'first');
         process.stdout.write('written after it\\n');
         new JsonLogger('user').log('ERROR', 'second');
         process.exit(3);`,
      ]);
      expect(child.status, child.output).to.equal(3);
      expect(child.stdout.split('\n')).to.deep.equal([
        '{"severity":"INFO","message":"first","service":"gateway"}',
        'written after it',
        '{"severity":"ERROR","message":"second","service":"user"}',
        '',
      ]);
    });
  });
});

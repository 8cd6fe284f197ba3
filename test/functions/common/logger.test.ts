/** The request lines' way out: Cloud Logging JSON, one write per turn of the event loop. */
import {expect} from 'chai';
import {spawnSync} from 'node:child_process';
import * as path from 'node:path';
import {JsonLogger, perTurn} from '../../../functions/common/logger';

const nextTurn = () => new Promise(resolve => setImmediate(resolve));

describe('logger', () => {
  it('writes the lines of one turn as one chunk, in order, when the turn ends', async () => {
    const chunks: string[] = [];
    const write = perTurn(chunk => chunks.push(chunk));
    write('a\n');
    write('b\n');
    expect(chunks).to.deep.equal([]);
    await nextTurn();
    expect(chunks).to.deep.equal(['a\nb\n']);
    write('c\n');
    await nextTurn();
    expect(chunks).to.deep.equal(['a\nb\n', 'c\n']);
  });

  it('writes one JSON object per line with severity, message, service and fields, at or above its level', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('order', 'info', line => lines.push(line));
    logger.log('DEBUG', 'not kept');
    logger.log('INFO', 'kept', {requestId: 'r-1'});
    expect(lines).to.deep.equal([
      '{"severity":"INFO","message":"kept","service":"order","requestId":"r-1"}\n',
    ]);
  });

  it('loses no line when the process exits in the turn that wrote it, and keeps the order across loggers', () => {
    const logger = path.join(__dirname, '../../../functions/common/logger.js');
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const {JsonLogger} = require(${JSON.stringify(logger)});
         new JsonLogger('gateway').log('INFO', 'first');
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

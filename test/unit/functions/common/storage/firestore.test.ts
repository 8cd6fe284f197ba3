/**
 * The stores tell "already exists" and "not found" apart from everything
 * else with hasCode: the gRPC code on the error, whichever transport threw it.
 */
import {expect} from 'chai';
import {
  ALREADY_EXISTS,
  hasCode,
  NOT_FOUND,
} from '../../../../../functions/common/storage/firestore';

describe('hasCode', () => {
  it('reads the gRPC code an error carries', () => {
    const e = Object.assign(new Error('6 ALREADY_EXISTS: m'), {code: 6});
    expect(hasCode(e, ALREADY_EXISTS)).to.equal(true);
    expect(hasCode(e, NOT_FOUND)).to.equal(false);
  });

  it('says no to anything else', () => {
    for (const e of [
      undefined,
      null,
      6,
      'ALREADY_EXISTS',
      new Error('6 ALREADY_EXISTS: m'),
      Object.assign(new Error('HTTP conflict'), {code: 409}),
      Object.assign(new Error('six'), {code: '6'}),
      Object.assign(new Error('ECONNRESET'), {code: 'ECONNRESET'}),
    ])
      expect(hasCode(e, ALREADY_EXISTS), String(e)).to.equal(false);
  });
});

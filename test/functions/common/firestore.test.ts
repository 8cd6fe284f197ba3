/**
 * Firestore's error codes as both transports report them: the stores tell
 * "already exists" and "not found" apart from everything else with hasCode,
 * and over REST (google-gax 5) the code on the error is only the HTTP status.
 */
import {expect} from 'chai';
import {
  ALREADY_EXISTS,
  hasCode,
  NOT_FOUND,
} from '../../../functions/common/firestore';

/** An error as the REST transport throws it: the HTTP status, the body as its message. */
function overRest(http: number, status: string): Error {
  return Object.assign(
    new Error(JSON.stringify({error: {code: http, message: 'm', status}})),
    {code: http},
  );
}

describe('hasCode', () => {
  it('reads the gRPC code an error carries over gRPC', () => {
    const e = Object.assign(new Error('6 ALREADY_EXISTS: m'), {code: 6});
    expect(hasCode(e, ALREADY_EXISTS)).to.equal(true);
    expect(hasCode(e, NOT_FOUND)).to.equal(false);
  });

  it('reads the status name of the body over REST, where 409 is also an abort', () => {
    expect(hasCode(overRest(409, 'ALREADY_EXISTS'), ALREADY_EXISTS)).to.equal(
      true,
    );
    expect(hasCode(overRest(409, 'ABORTED'), ALREADY_EXISTS)).to.equal(false);
    expect(hasCode(overRest(404, 'NOT_FOUND'), NOT_FOUND)).to.equal(true);
    expect(hasCode(overRest(404, 'NOT_FOUND'), ALREADY_EXISTS)).to.equal(false);
  });

  it('says no to anything else', () => {
    for (const e of [
      undefined,
      'ALREADY_EXISTS',
      new Error('{"error":{"status":"ALREADY_EXISTS"}}'),
      Object.assign(new Error('not json'), {code: 409}),
      Object.assign(new Error('ECONNRESET'), {code: 'ECONNRESET'}),
    ])
      expect(hasCode(e, ALREADY_EXISTS), String(e)).to.equal(false);
  });
});

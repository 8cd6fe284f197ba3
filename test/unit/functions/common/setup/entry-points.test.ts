/**
 * Which function an entry point builds at start: the one the framework
 * serves, named as the framework reads it.
 */
import {expect} from 'chai';
import {frameworkTarget} from '../../../../../functions/common/setup/entry-points';

describe('entry-points frameworkTarget', () => {
  it('is FUNCTION_TARGET, as Cloud Run sets it, when no --target is given', () => {
    expect(frameworkTarget({FUNCTION_TARGET: 'user'}, ['node', 'ff'])).to.equal(
      'user',
    );
  });

  it('is --target, in either form, over FUNCTION_TARGET, the last one winning', () => {
    const env = {FUNCTION_TARGET: 'user'};
    expect(frameworkTarget(env, ['--target=order'])).to.equal('order');
    expect(frameworkTarget(env, ['--target', 'order'])).to.equal('order');
    expect(
      frameworkTarget({}, ['--target=user', '--port=0', '--target', 'gateway']),
    ).to.equal('gateway');
  });

  it('is undefined for an entry loaded by anything else', () => {
    expect(frameworkTarget({}, ['node', 'script.js', '--port=8080'])).to.equal(
      undefined,
    );
    expect(frameworkTarget({}, ['--target'])).to.equal(undefined);
  });
});

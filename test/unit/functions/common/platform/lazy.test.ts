/**
 * What is built on first use is built then, once, and a given value is
 * used as it is, with nothing built.
 */
import {expect} from 'chai';
import {
  givenOrOnFirstUse,
  onFirstUse,
} from '../../../../../functions/common/platform/lazy';

describe('lazy', () => {
  it('builds on the first call, not before, and only once', () => {
    let builds = 0;
    const value = onFirstUse(() => ({n: ++builds}));
    expect(builds).to.equal(0);
    const first = value();
    expect(value()).to.equal(first);
    expect(builds).to.equal(1);
  });

  it('uses a given value as it is, building nothing', () => {
    let builds = 0;
    const given = {n: 0};
    const value = givenOrOnFirstUse(given, () => ({n: ++builds}));
    expect(value()).to.equal(given);
    expect(builds).to.equal(0);
  });

  it('builds the default on first use when nothing is given', () => {
    let builds = 0;
    const value = givenOrOnFirstUse<{n: number}>(undefined, () => ({
      n: ++builds,
    }));
    expect(builds).to.equal(0);
    expect(value()).to.deep.equal({n: 1});
    expect(value()).to.deep.equal({n: 1});
    expect(builds).to.equal(1);
  });
});

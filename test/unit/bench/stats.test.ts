import {expect} from 'chai';
import {median, ratioEstimate} from '../../../bench/stats';

describe('bench statistics', () => {
  it('takes the middle value as the median, whatever the order', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([5, 1, 4, 2, 3])).to.equal(3);
  });

  it('gives ratios that never vary a zero-width interval around their value', () => {
    expect(ratioEstimate([1.02, 1.02, 1.02])).to.deep.equal({
      ratio: 1.02,
      low: 1.02,
      high: 1.02,
      n: 3,
    });
  });

  it('averages ratios geometrically, so a/b and b/a mirror each other', () => {
    const up = ratioEstimate([1.25, 0.8, 1.1, 1.3]);
    const down = ratioEstimate([0.8, 1.25, 1 / 1.1, 1 / 1.3]);
    expect(up.ratio * down.ratio).to.be.closeTo(1, 0.002);
    expect(up.high * down.low).to.be.closeTo(1, 0.002);
  });

  it("widens the interval by Student's t: two rounds say little, many say more", () => {
    // Logarithms ±0.1: standard error 0.1, so ±12.706 × 0.1 at one degree of freedom.
    const two = ratioEstimate([Math.exp(0.1), Math.exp(-0.1)]);
    expect(two.ratio).to.equal(1);
    expect(two.high).to.be.closeTo(Math.exp(1.2706), 0.001);
    const many = ratioEstimate(
      Array.from({length: 40}, (_, i) => Math.exp(i % 2 === 0 ? 0.1 : -0.1)),
    );
    // sd of the logs 0.1013, standard error 0.016, t(39) = 2.042 (the row for 30).
    expect(many.high).to.be.closeTo(
      Math.exp((2.042 * 0.1013) / Math.sqrt(40)),
      0.001,
    );
    expect(many.low).to.be.closeTo(1 / many.high, 0.002);
  });

  it('gives no interval for fewer than two rounds', () => {
    const one = ratioEstimate([1.1]);
    expect(one.ratio).to.equal(1.1);
    expect(Number.isNaN(one.high)).to.equal(true);
  });
});

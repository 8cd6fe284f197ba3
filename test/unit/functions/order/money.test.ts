import {expect} from 'chai';
import {
  fromCents,
  toCents,
  totalCents,
} from '../../../../functions/order/money';

describe('money', () => {
  it('adds 3 x 15.99 + 2 x 9.99 to exactly 67.95', () => {
    const cents = totalCents([
      {quantity: 3, priceCents: toCents(15.99)},
      {quantity: 2, priceCents: toCents(9.99)},
    ]);
    expect(cents).to.equal(6795);
    expect(fromCents(cents)).to.equal(67.95);
  });

  it('keeps sums exact where floats drift', () => {
    expect(3 * 1.1).not.to.equal(3.3); // 3.3000000000000003
    expect(
      fromCents(totalCents([{quantity: 3, priceCents: toCents(1.1)}])),
    ).to.equal(3.3);
  });

  const cases: [number, number][] = [
    [0, 0],
    [0.01, 1],
    [29.99, 2999],
    [999999.99, 99999999],
  ];
  cases.forEach(([amount, cents]) =>
    it(`converts ${amount} to ${cents} cents`, () =>
      expect(toCents(amount)).to.equal(cents)),
  );
});

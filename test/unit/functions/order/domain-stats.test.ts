/** The order stats: every order counted, revenue added exactly in cents. */
import {expect} from 'chai';
import {statsOf} from '../../../../functions/order/domain';

describe('Orders (the order domain)', () => {
  it('counts every order in stats, but earns only from those not cancelled', () => {
    expect(
      statsOf([
        {status: 'pending', count: 2, cents: 1001n},
        {status: 'processing', count: 0, cents: 0n},
        {status: 'shipped', count: 1, cents: 501n},
        {status: 'completed', count: 0, cents: 0n},
        {status: 'cancelled', count: 4, cents: 99_999n},
      ]),
    ).to.deep.equal({
      totalOrders: 7,
      totalRevenue: 15.02,
      totalRevenueCents: '1502',
      ordersByStatus: {
        pending: 2,
        processing: 0,
        shipped: 1,
        completed: 0,
        cancelled: 4,
      },
      averageOrderValue: 5.01, // 1502 / 3 = 500.67 cents, rounded to whole cents
    });
  });

  it('adds revenue exactly in cents past where a number is exact', () => {
    // Ninety million orders at the largest total, in two statuses.
    const huge = 90_000_000n * 100_000_000n; // 9e15 cents, past 2^53
    const stats = statsOf([
      {status: 'completed', count: 90_000_000, cents: huge},
      {status: 'shipped', count: 1, cents: 1n},
    ]);
    expect(stats.totalRevenueCents).to.equal('9000000000000001');
    expect(BigInt(stats.totalRevenueCents)).to.equal(huge + 1n);
    expect(stats.totalOrders).to.equal(90_000_001);
  });

  it('reports an average of zero when no order earns', () => {
    expect(statsOf([{status: 'cancelled', count: 2, cents: 300n}])).to.include({
      totalOrders: 2,
      totalRevenue: 0,
      averageOrderValue: 0,
    });
  });
});

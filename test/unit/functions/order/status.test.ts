import {expect} from 'chai';
import {
  ORDER_STATUSES,
  type OrderStatus,
} from '../../../../functions/order/contract';
import {
  CANCELLABLE_STATUSES,
  canTransition,
  nextStatuses,
} from '../../../../functions/order/status';

const ALLOWED: [OrderStatus, OrderStatus][] = [
  ['pending', 'processing'],
  ['processing', 'shipped'],
  ['shipped', 'completed'],
  ['pending', 'cancelled'],
  ['processing', 'cancelled'],
];

describe('order status transitions', () => {
  for (const from of ORDER_STATUSES) {
    for (const to of ORDER_STATUSES) {
      const allowed = ALLOWED.some(([f, t]) => f === from && t === to);
      it(`${from} -> ${to} is ${allowed ? 'allowed' : 'refused'}`, () =>
        expect(canTransition(from, to)).to.equal(allowed));
    }
  }
});

describe('order statuses', () => {
  it('each status may become the ones its transitions allow', () => {
    for (const from of ORDER_STATUSES)
      expect([...nextStatuses(from)].sort(), from).to.deep.equal(
        ALLOWED.filter(([f]) => f === from)
          .map(([, t]) => t)
          .sort(),
      );
  });

  it('an order is open, for the limit, while it can still be cancelled', () =>
    expect([...CANCELLABLE_STATUSES].sort()).to.deep.equal([
      'pending',
      'processing',
    ]));
});

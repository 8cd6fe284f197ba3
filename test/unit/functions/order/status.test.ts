import {expect} from 'chai';
import {
  ORDER_STATUSES,
  type OrderStatus,
} from '../../../../functions/order/contract';
import {canTransition} from '../../../../functions/order/status';

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

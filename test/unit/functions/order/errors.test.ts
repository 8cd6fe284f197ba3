/** What the order use cases' refusals carry: their type, fields and a message naming them. */
import {expect} from 'chai';
import {
  ORDER_STATUSES,
  type OrderStatus,
} from '../../../../functions/order/contract';
import {
  IdempotencyMismatchError,
  OpenOrdersLimitError,
  OrderNotFoundError,
  TransitionError,
} from '../../../../functions/order/errors';
import {nextStatuses} from '../../../../functions/order/status';

describe('order errors', () => {
  it('are named for their class, so logs and stacks say which refusal it was', () => {
    for (const e of [
      new OrderNotFoundError('o1'),
      new TransitionError('pending', 'completed'),
      new OpenOrdersLimitError('u1', 3),
      new IdempotencyMismatchError(),
    ]) {
      expect(e).to.be.instanceOf(Error);
      expect(e.name).to.equal(e.constructor.name);
      expect(String(e)).to.match(new RegExp(`^${e.constructor.name}: .+`));
    }
  });

  it('a missing order names its id', () => {
    const e = new OrderNotFoundError('order-42');
    expect(e.id).to.equal('order-42');
    expect(e.message).to.include('order-42');
  });

  it('a refused change names both statuses and the ones it could become', () => {
    for (const from of ORDER_STATUSES)
      for (const to of ORDER_STATUSES) {
        const e = new TransitionError(from, to);
        expect([e.from, e.to]).to.deep.equal([from, to]);
        const named = ORDER_STATUSES.filter(s => e.message.includes(s));
        const expected = new Set<OrderStatus>([
          from,
          to,
          ...nextStatuses(from),
        ]);
        expect(new Set(named), `${from} -> ${to}`).to.deep.equal(expected);
      }
  });

  it('a refusal at the open orders limit names the user and the limit', () => {
    const e = new OpenOrdersLimitError('user-7', 17);
    expect([e.userId, e.max]).to.deep.equal(['user-7', 17]);
    expect(e.message).to.include('user-7').and.to.include('17');
  });
});

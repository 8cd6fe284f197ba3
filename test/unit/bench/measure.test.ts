import {expect} from 'chai';
import {measuringOrder} from '../../../bench/measure';
import {SCENARIOS} from '../../../bench/scenarios';

describe('measuringOrder', () => {
  it('measures every route once: the mesh first, the reads next, the write route last', () => {
    const order = measuringOrder();
    expect(order.map(s => s.id)).to.have.members(SCENARIOS.map(s => s.id));
    expect(order).to.have.length(SCENARIOS.length);
    expect(order[0].id).to.equal('mesh');
    expect(order.map(s => s.method === 'GET')).to.deep.equal(
      SCENARIOS.map((_, i) => i < SCENARIOS.length - 1),
    );
  });
});

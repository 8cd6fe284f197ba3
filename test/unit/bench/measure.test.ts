import {expect} from 'chai';
import {measuringOrder} from '../../../bench/measure';
import type {Scenario} from '../../../bench/load';
import {MESH, SCENARIOS} from '../../../bench/scenarios';

describe('measuringOrder', () => {
  const route = (id: string, method: Scenario['method']): Scenario => ({
    id,
    title: id,
    method,
    path: `/${id}`,
    functions: 2,
  });

  it('measures every route once: the mesh first, the reads next, the write route last', () => {
    const order = measuringOrder();
    expect(order.map(s => s.id)).to.have.members(SCENARIOS.map(s => s.id));
    expect(order).to.have.length(SCENARIOS.length);
    expect(order[0].id).to.equal('mesh');
    expect(order.at(-1)!.method).to.equal('POST');
  });

  it('puts a write route after every read, wherever it is listed', () => {
    const listed = [
      route('write', 'POST'),
      route('read', 'GET'),
      MESH,
      route('other-read', 'GET'),
    ];
    expect(measuringOrder(listed).map(s => s.id)).to.deep.equal([
      'mesh',
      'read',
      'other-read',
      'write',
    ]);
  });
});

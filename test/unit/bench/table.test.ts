/** The benchmark's table of measurements. */
import {expect} from 'chai';
import {formatTable} from '../../../bench/table';
import {rows, scenario} from '../../fixtures/bench-measurements';

describe('formatTable', () => {
  it('prints one line per measurement, in scenario, concurrency and variant order', () => {
    const lines = formatTable(
      rows({ours: 123.4}),
      [scenario('mesh')],
      [32],
      ['floor', 'ours'],
    );
    expect(lines).to.have.length(3);
    expect(lines[1]).to.match(
      /^mesh\s+floor\s+32\s+100\s+10\s+20\s+5\.00\s+0$/,
    );
    expect(lines[2]).to.match(/^mesh\s+ours\s+32\s+123\s/);
  });
});

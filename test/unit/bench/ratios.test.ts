/** Ratios of paired rounds: round by round when they pair up. */
import {expect} from 'chai';
import type {Row} from '../../../bench/measure';
import {pairedRatio} from '../../../bench/ratios';
import {median} from '../../../bench/stats';

describe('pairedRatio', () => {
  const row = (cpu: number[], rate = 100): Row => ({
    variant: 'ours',
    scenario: 'mesh',
    concurrency: 32,
    requestsPerSec: rate,
    cpuMsPerRequest: median(cpu),
    p50Ms: 10,
    p99Ms: 20,
    requests: 1000,
    errors: 0,
    rounds: cpu.map(c => ({requestsPerSec: rate, cpuMsPerRequest: c})),
  });

  it('compares round by round: a slow round slows both sides', () => {
    // Medians 20 and 10 would say 2x; round by round it is 1, 2, 1.
    expect(
      pairedRatio(row([10, 20, 30]), row([10, 10, 30]), 'cpuMsPerRequest'),
    ).to.equal(1);
  });

  it("falls back to the rows' own figures when the rounds do not pair up", () => {
    const a = row([10, 20, 30], 150);
    expect(pairedRatio(a, row([10, 10]), 'cpuMsPerRequest')).to.equal(2);
    expect(
      pairedRatio({...a, rounds: undefined}, row([5]), 'requestsPerSec'),
    ).to.equal(1.5);
  });
});

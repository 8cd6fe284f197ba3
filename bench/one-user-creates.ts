/**
 * One user's create throughput: every connection orders for the same
 * user, so every create goes through that user's batches in the order
 * function (order/batches.ts) and its one count of open orders, where the
 * create scenario spreads its connections over users of their own. What
 * it reports, per number of connections: orders created per second, the
 * share of answers that were not a creation (a 429 to come back later,
 * above all), and the 99th percentile latency.
 */
import {BUYERS, SCENARIOS} from './scenarios';
import {load, type Scenario} from './load';
import {round} from './stats';
import type {Target} from './targets';

const CREATE = SCENARIOS.find(s => s.id === 'create')!;

/** The create scenario with one buyer for every connection. */
export const ONE_USER_CREATE: Scenario = {
  ...CREATE,
  id: 'one-user-create',
  title: 'POST /api/orders, every connection for one user',
  body: {...CREATE.body, userId: BUYERS[0]},
  buyers: undefined,
};

export interface OneUserCreates {
  connections: number;
  createdPerSec: number;
  notCreatedShare: number;
  p99Ms: number;
}

/**
 * Loads `target` with ONE_USER_CREATE at each of `connections` for
 * `durationS` (after `warmupS`), resetting its data after each.
 */
export async function oneUserCreates(
  target: Target,
  connections: number[],
  durationS: number,
  warmupS: number,
): Promise<OneUserCreates[]> {
  const figures: OneUserCreates[] = [];
  for (const c of connections) {
    if (warmupS > 0) await load(target, ONE_USER_CREATE, c, warmupS);
    const r = await load(target, ONE_USER_CREATE, c, durationS);
    await target.reset();
    figures.push({
      connections: c,
      createdPerSec: round((r.requests - r.errors) / durationS, 1),
      notCreatedShare: r.requests === 0 ? 0 : round(r.errors / r.requests, 3),
      p99Ms: r.p99Ms,
    });
  }
  return figures;
}

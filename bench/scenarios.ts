/** The routes the benchmark loads: every call pattern of the gateway. */
import type {Scenario} from './load';

/**
 * The users the create route orders for, one per connection (load.ts):
 * more than the benchmark ever opens. Seeded with each target's data.
 */
export const BUYERS = Array.from(
  {length: 64},
  (_, i) => `buyer-${String(i + 1).padStart(2, '0')}`,
);

/** High enough that no run of the benchmark meets it: it measures, not refuses. */
export const MAX_OPEN_ORDERS = '1000000';

export const SCENARIOS: Scenario[] = [
  {
    id: 'user-hop',
    title: 'GET /api/users/user-001 (one hop)',
    method: 'GET',
    path: '/api/users/user-001',
    functions: 2,
  },
  {
    id: 'order-hop',
    title: 'GET /api/orders?userId=user-001 (one hop)',
    method: 'GET',
    path: '/api/orders?userId=user-001',
    functions: 2,
  },
  {
    id: 'mesh',
    title: 'GET /api/user-orders/user-001 (mesh, 2 hops chained)',
    method: 'GET',
    path: '/api/user-orders/user-001',
    functions: 3,
  },
  {
    id: 'direct',
    title: 'GET /api/user-orders-direct/user-001 (direct, 2 hops parallel)',
    method: 'GET',
    path: '/api/user-orders-direct/user-001',
    functions: 3,
  },
  {
    id: 'create',
    title: 'POST /api/orders (validated write, 2 hops)',
    method: 'POST',
    path: '/api/orders',
    functions: 3,
    body: {
      userId: BUYERS[0],
      items: [{product: 'Bench', quantity: 2, price: 9.99}],
    },
    buyers: BUYERS,
  },
];

/** The scenario the emulator is warmed up with: the one that does the most. */
export const MESH = SCENARIOS.find(s => s.id === 'mesh')!;

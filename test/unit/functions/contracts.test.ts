/**
 * Each function's contract against its routes: every entry is served, by
 * a route with the entry's method and path, so a path changed in a
 * contract moves the route and its callers together; and a call of an
 * entry is the request the route expects. Every entry says what it does
 * (its summary, the OpenAPI document's).
 */
import {expect} from 'chai';
import {z} from 'zod';
import {
  endpoint,
  isServed,
  pathOf,
  refusedWith,
  requestOf,
  type Endpoint,
} from '../../../functions/common/contract';
import {DownstreamError} from '../../../functions/common/protocol/problem';
import type {Route} from '../../../functions/common/http/router';
import type {ServiceCaller} from '../../../functions/common/calls/service-client';
import {gatewayCalls} from '../../../functions/gateway/contract';
import {gatewayRoutes} from '../../../functions/gateway/routes';
import {orderCalls} from '../../../functions/order/contract';
import {orderRoutes} from '../../../functions/order/routes';
import {userCalls} from '../../../functions/user/contract';
import {userRoutes} from '../../../functions/user/routes';

const nobody: ServiceCaller = {
  call: () => Promise.reject(new Error('not called')),
};
const unused = () => {
  throw new Error('not called');
};

const contracts: {
  name: string;
  calls: Record<string, Endpoint>;
  routes: Route[];
}[] = [
  {
    name: 'user',
    calls: userCalls,
    routes: userRoutes({users: unused, orders: nobody}),
  },
  {name: 'order', calls: orderCalls, routes: orderRoutes({orders: unused})},
  {
    name: 'gateway',
    calls: gatewayCalls,
    routes: gatewayRoutes({users: nobody, orders: nobody}),
  },
];

describe('contracts', () => {
  contracts.forEach(({name, calls, routes}) => {
    describe(`the ${name} function`, () => {
      Object.entries(calls).forEach(([call, entry]) => {
        it(`serves ${call}: ${entry.method} ${entry.path}, and says what it does`, () => {
          expect(entry.summary, 'summary').to.be.a('string').and.not.equal('');
          const served = routes.filter(
            r => r.method === entry.method && r.path === entry.path,
          );
          expect(served, `routes for ${call}`).to.have.length(1);
          const [route] = served;
          expect(isServed(route) && route.endpoint).to.equal(entry);
        });
      });

      it('has no route serving an entry of another contract', () => {
        const own = new Set(Object.values(calls));
        for (const route of routes.filter(isServed))
          expect(own.has(route.endpoint), route.path).to.equal(true);
      });
    });
  });

  const order = endpoint({
    method: 'GET',
    path: '/orders/user/:userId/items/:item',
    summary: 'test',
    query: z.object({limit: z.string()}),
    answer: z.object({}),
    problems: {'order-not-found': 404},
  });

  it('puts each parameter in its place, as one segment (encoded by the client)', () => {
    expect(pathOf(order, {userId: 'u/1', item: 'x'})).to.deep.equal([
      'orders',
      'user',
      'u/1',
      'items',
      'x',
    ]);
    expect(() => pathOf(order, {userId: 'u'})).to.throw();
  });

  it('builds the request with only what the caller gave', () => {
    expect(
      requestOf(order, {params: {userId: 'u', item: 'i'}, query: {limit: '2'}}),
    ).to.deep.equal({
      method: 'GET',
      path: ['orders', 'user', 'u', 'items', 'i'],
      query: {limit: '2'},
    });
  });

  it("knows the callee's own problem, and nothing else of that status", () => {
    const problem = (status: number, code?: string) =>
      new DownstreamError('order', 'rejected', status, {
        code,
        detail: 'x',
      });
    expect(
      refusedWith(problem(404, 'order-not-found'), order, 'order-not-found'),
    ).to.equal(true);
    expect(refusedWith(problem(404), order, 'order-not-found')).to.equal(false);
    expect(
      refusedWith(problem(404, 'route-not-found'), order, 'order-not-found'),
    ).to.equal(false);
    expect(
      refusedWith(problem(409, 'order-not-found'), order, 'order-not-found'),
    ).to.equal(false);
    expect(
      refusedWith(
        new DownstreamError('order', 'failed', 404),
        order,
        'order-not-found',
      ),
    ).to.equal(false);
  });
});

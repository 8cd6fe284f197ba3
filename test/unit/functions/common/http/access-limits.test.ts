/**
 * Every route's rule, in all three functions, says what it lets in: a
 * route for signed-in users names what a user who is not an admin is
 * limited to (the README's table of the gateway's rules shows it), and the
 * routes on one user's data hold a user to their own id at every hop.
 */
import {expect} from 'chai';
import {OWN_ID} from '../../../../../functions/common/http/access';
import type {Route} from '../../../../../functions/common/http/router';
import {gatewayRoutes} from '../../../../../functions/gateway/routes';
import {orderRoutes} from '../../../../../functions/order/routes';
import {userRoutes} from '../../../../../functions/user/routes';

const unused = {} as never;
// Built in each test, not as the file loads: the mutation run would take
// what the route tables hold for code every test needs.
const functions: Record<string, () => Route[]> = {
  gateway: () => gatewayRoutes({users: unused, orders: unused}),
  user: () => userRoutes({users: () => unused, orders: unused}),
  order: () => orderRoutes({orders: () => unused}),
};

describe("every route's rule", () => {
  for (const [name, routes] of Object.entries(functions))
    it(`${name}: says what each route lets in`, () => {
      for (const {method, path, rule} of routes()) {
        const route = `${method} ${path}`;
        expect(['public', 'signed-in', 'admin'], route).to.include(rule.access);
        if (rule.access === 'signed-in')
          expect(rule.own, route).to.be.a('string').with.length.above(0);
        else expect(rule, route).not.to.have.property('own');
        if (rule.owner !== undefined) {
          expect(path.split('/'), route).to.include(`:${rule.owner.param}`);
          expect(rule.own, route).to.equal(OWN_ID.own);
        }
      }
    });

  it('limits the routes on one user’s data to their own id wherever the path names it', () => {
    const named = Object.values(functions)
      .flatMap(routes => routes())
      .filter(r => r.rule.owner !== undefined)
      .map(r => `${r.method} ${r.path}`);
    expect(named).to.have.members([
      'GET /api/users/:id',
      'GET /api/user-orders/:userId',
      'GET /api/user-orders-direct/:userId',
      'GET /users/:id',
      'GET /users/:id/orders',
      'GET /orders/user/:userId',
    ]);
  });
});

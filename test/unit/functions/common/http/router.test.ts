import {expect} from 'chai';
import {PUBLIC} from '../../../../../functions/common/http/access';
import {
  MethodNotAllowedError,
  Router,
  type Route,
} from '../../../../../functions/common/http/router';
import {ValidationError} from '../../../../../functions/common/protocol/problem';

const handler = async () => ({body: null});
const rule = PUBLIC;
const routes: Route[] = [
  {method: 'GET', path: '/users', rule, handler},
  {method: 'GET', path: '/users/:id', rule, handler},
  {method: 'DELETE', path: '/users/:id', rule, handler},
  {method: 'GET', path: '/users/:id/orders', rule, handler},
];
const router = new Router(routes);

describe('Router', () => {
  const cases: {
    name: string;
    method: string;
    path: string;
    kind: string;
    route?: string;
    params?: Record<string, string>;
  }[] = [
    {
      name: 'matches a fixed path',
      method: 'GET',
      path: '/users',
      kind: 'found',
      route: '/users',
      params: {},
    },
    {
      name: 'ignores a trailing slash',
      method: 'GET',
      path: '/users/',
      kind: 'found',
      route: '/users',
    },
    {
      name: 'captures a parameter',
      method: 'GET',
      path: '/users/u1',
      kind: 'found',
      route: '/users/:id',
      params: {id: 'u1'},
    },
    {
      name: 'decodes a parameter once',
      method: 'GET',
      path: '/users/..%2Forders',
      kind: 'found',
      route: '/users/:id',
      params: {id: '../orders'},
    },
    {
      name: 'matches the longer pattern',
      method: 'GET',
      path: '/users/u1/orders',
      kind: 'found',
      route: '/users/:id/orders',
      params: {id: 'u1'},
    },
    {
      name: 'reports an unknown path',
      method: 'GET',
      path: '/nope',
      kind: 'not-found',
    },
    {
      name: 'reports a wrong method',
      method: 'POST',
      path: '/users/u1',
      kind: 'method-not-allowed',
    },
  ];
  cases.forEach(c =>
    it(c.name, () => {
      const match = router.match(c.method, c.path);
      expect(match.kind).to.equal(c.kind);
      if (match.kind === 'found') {
        expect(match.route.path).to.equal(c.route);
        if (c.params) expect(match.params).to.deep.equal(c.params);
      }
    }),
  );

  it('lists the allowed methods', () => {
    const match = router.match('PATCH', '/users/u1');
    expect(match).to.deep.equal({
      kind: 'method-not-allowed',
      allowed: ['GET', 'DELETE'],
    });
  });

  it('rejects broken percent-encoding as a validation error naming the parameter', () => {
    let error: unknown;
    try {
      router.match('GET', '/users/%E0%A4%A');
    } catch (e: unknown) {
      error = e;
    }
    expect(error).to.be.instanceOf(ValidationError);
    const {status, code, errors} = error as ValidationError;
    expect({status, code}).to.deep.equal({
      status: 400,
      code: 'invalid-request',
    });
    expect(errors?.map(e => e.field)).to.deep.equal(['id']);
    expect(errors?.[0].message).to.be.a('string').with.length.above(0);
  });

  it('answers a wrong method with a 405 that lists the allowed ones', () => {
    const error = new MethodNotAllowedError(['GET', 'DELETE']);
    expect(error).to.include({status: 405, code: 'method-not-allowed'});
    expect(error.headers).to.deep.equal({Allow: 'GET, DELETE'});
  });
});

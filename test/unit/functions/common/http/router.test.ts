/**
 * The route table on Express's router: which route a request reaches, with
 * which parameters, and what a request no route takes is refused with.
 */
import {expect} from 'chai';
import type {Express, Request, Response} from 'express';
import request from 'supertest';
import {PUBLIC} from '../../../../../functions/common/http/access';
import {frameworkRequire} from '../../../../../functions/common/http/framework-modules';
import {
  MethodNotAllowedError,
  routeTable,
  type Route,
} from '../../../../../functions/common/http/router';
import type {HttpError} from '../../../../../functions/common/protocol/problem';
import {ValidationError} from '../../../../../functions/common/protocol/problem';

const handler = async () => ({body: null});
const rule = PUBLIC;
const routes: Route[] = [
  {method: 'GET', path: '/users', rule, handler},
  {method: 'GET', path: '/users/:id', rule, handler},
  {method: 'DELETE', path: '/users/:id', rule, handler},
  {method: 'GET', path: '/users/:id/orders', rule, handler},
];

/** An Express app whose answers say what the route table decided. */
function app(): Express {
  const express = frameworkRequire('express') as () => Express;
  const served = express();
  const table = routeTable(
    routes,
    (route, req: Request, res: Response) =>
      res.json({kind: 'found', route: route.path, params: req.params}),
    (_req, res, error: HttpError) =>
      res
        .status(error.status)
        .set(error.headers ?? {})
        .json({
          kind: error.status === 405 ? 'method-not-allowed' : 'refused',
          status: error.status,
          code: error.code,
          validation: error instanceof ValidationError,
          detail: error.message,
          fields: (error as ValidationError).errors?.map(e => e.field),
          messages: (error as ValidationError).errors?.map(e => e.message),
        }),
  );
  served.use((req, res) => table(req, res));
  return served;
}

describe('routeTable', () => {
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
      name: 'refuses an unknown path',
      method: 'GET',
      path: '/nope',
      kind: 'refused',
    },
    {
      name: 'matches case-sensitively',
      method: 'GET',
      path: '/Users',
      kind: 'refused',
    },
    {
      name: 'answers HEAD on a GET route',
      method: 'HEAD',
      path: '/users/u1',
      kind: 'found',
    },
    {
      name: 'reports a wrong method',
      method: 'POST',
      path: '/users/u1',
      kind: 'method-not-allowed',
    },
  ];
  cases.forEach(c =>
    it(c.name, async () => {
      const res = await request(app())[
        c.method.toLowerCase() as 'get' | 'post' | 'head'
      ](c.path);
      if (c.method === 'HEAD') {
        expect(res.status).to.equal(200);
        return;
      }
      expect(res.body.kind).to.equal(c.kind);
      if (c.kind === 'found') {
        expect(res.body.route).to.equal(c.route);
        if (c.params) expect(res.body.params).to.deep.equal(c.params);
      }
      if (c.kind === 'refused') expect(res.status).to.equal(404);
    }),
  );

  it('refuses an unknown path as route-not-found', async () => {
    const res = await request(app()).get('/nope');
    expect(res.body).to.include({status: 404, code: 'route-not-found'});
  });

  it('lists the allowed methods', async () => {
    const res = await request(app()).patch('/users/u1');
    expect(res.status).to.equal(405);
    expect(res.headers.allow).to.equal('GET, DELETE');
    expect(res.body.detail).to.be.a('string').with.length.above(0);
  });

  it('rejects broken percent-encoding as a validation error naming the path', async () => {
    const res = await request(app()).get('/users/%E0%A4%A');
    expect(res.body).to.deep.include({
      status: 400,
      code: 'invalid-request',
      validation: true,
      fields: ['path'],
    });
    expect(res.body.detail).to.be.a('string').with.length.above(0);
    expect(res.body.messages).to.have.length(1);
    expect(res.body.messages[0]).to.be.a('string').with.length.above(0);
  });

  it('answers a wrong method with a 405 that lists the allowed ones', () => {
    const error = new MethodNotAllowedError(['GET', 'DELETE']);
    expect(error).to.include({status: 405, code: 'method-not-allowed'});
    expect(error.headers).to.deep.equal({Allow: 'GET, DELETE'});
  });
});

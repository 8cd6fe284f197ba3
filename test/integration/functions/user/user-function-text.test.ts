/**
 * The user function over HTTP, built as in production: text that is not
 * well-formed Unicode refused with 400 naming the field, in a profile's
 * body (an admin's and an end user's), its path and its query, and no
 * profile written.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import request from 'supertest';
import {callHeaders} from '../../../fixtures/functions';
import {
  ENCODED_SURROGATE,
  ILL_FORMED_PROFILES,
  LONE_SURROGATE,
  PROFILE,
} from '../../../fixtures/ill-formed';
import {
  startUserFunction,
  USER_SELF,
  type UserFunction,
} from '../../../fixtures/user-function';

describe('user function (HTTP): text that is not well-formed Unicode', () => {
  let kit: UserFunction['kit'];
  let server: Server;
  let auth: UserFunction['auth'];
  let stop: UserFunction['stop'];

  before(async () => {
    ({kit, server, auth, stop} = await startUserFunction(() => []));
  });
  after(() => stop());

  const api = () => request(server);
  /** A signed-in user who is not an admin, with a verified email. */
  const endUser = () =>
    callHeaders(
      kit.token('gateway', USER_SELF),
      kit.endUser('user-text-2', {overrides: {email_verified: true}}),
    );

  const cases: {
    name: string;
    send: () => request.Test;
    as?: () => Record<string, string>;
    field: string;
  }[] = [
    ...ILL_FORMED_PROFILES.map(([field, body]) => ({
      name: `an admin's profile's ${field}`,
      send: () => api().post('/users').send(body),
      field,
    })),
    {
      name: "a user's own profile's name",
      send: () =>
        api()
          .post('/users')
          .send({name: `Te${LONE_SURROGATE}`}),
      as: endUser,
      field: 'name',
    },
    {
      name: 'a key of the body',
      send: () =>
        api()
          .post('/users')
          .send({...PROFILE, [LONE_SURROGATE]: 'x'}),
      field: 'body',
    },
    {
      name: 'an id in the path',
      send: () => api().get(`/users/${ENCODED_SURROGATE}`),
      // Refused by Express's decoding, before any route.
      field: 'path',
    },
    {
      name: "the query's cursor",
      send: () => api().get(`/users?cursor=${ENCODED_SURROGATE}`),
      field: 'cursor',
    },
  ];
  cases.forEach(c =>
    it(`answers 400 naming ${c.field} to ${c.name}`, async () => {
      const res = await c.send().set(c.as?.() ?? auth);
      expect(res.status).to.equal(400);
      expect(res.type).to.equal('application/problem+json');
      expect(res.body.code).to.equal('invalid-request');
      expect(res.body.errors.map((e: {field: string}) => e.field)).to.include(
        c.field,
      );
    }),
  );

  it('writes no profile of what it refused', async () => {
    for (const id of ['user-text', 'user-text-2'])
      expect((await api().get(`/users/${id}`).set(auth)).status).to.equal(404);
  });
});

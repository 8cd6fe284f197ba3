import {expect} from 'chai';
import {
  ConflictError,
  DownstreamError,
  UnauthorizedError,
  ValidationError,
  toProblem,
} from '../../../functions/common/problem';

describe('toProblem', () => {
  const cases: {
    name: string;
    error: unknown;
    status: number;
    detail: RegExp;
  }[] = [
    {
      name: 'a conflict keeps its message',
      error: new ConflictError('taken'),
      status: 409,
      detail: /^taken$/,
    },
    {
      name: 'a downstream 404 stays a 404 with its detail',
      error: new DownstreamError('user', 'rejected', 404, {
        detail: 'User x not found.',
      }),
      status: 404,
      detail: /User x not found/,
    },
    {
      name: 'an unreachable function is a 503',
      error: new DownstreamError('order', 'unavailable'),
      status: 503,
      detail: /order service is unavailable/,
    },
    {
      name: 'a timeout is a 504',
      error: new DownstreamError('order', 'timeout'),
      status: 504,
      detail: /did not answer in time/,
    },
    {
      name: 'any other downstream failure is a 502',
      error: new DownstreamError('user', 'failed', 500),
      status: 502,
      detail: /user service failed/,
    },
    {
      name: 'an unknown error is a bare 500',
      error: new Error('connect ECONNREFUSED http://10.0.0.1:8081/secret'),
      status: 500,
      detail: /^An unexpected error occurred\.$/,
    },
    {
      name: 'a thrown string is a bare 500',
      error: 'boom',
      status: 500,
      detail: /unexpected/,
    },
  ];
  cases.forEach(c =>
    it(c.name, () => {
      const {problem} = toProblem(c.error, 'req-1', '/x');
      expect(problem.status).to.equal(c.status);
      expect(problem.detail).to.match(c.detail);
      expect(problem).to.include({
        type: 'about:blank',
        requestId: 'req-1',
        instance: '/x',
      });
      expect(JSON.stringify(problem)).not.to.match(
        /10\.0\.0\.1|ECONNREFUSED|stack/,
      );
    }),
  );

  it('lists the fields of a validation error', () => {
    const {problem} = toProblem(
      new ValidationError('bad', [
        {field: 'items[0].price', message: 'must be a number'},
      ]),
    );
    expect(problem.status).to.equal(400);
    expect(problem.errors).to.deep.equal([
      {field: 'items[0].price', message: 'must be a number'},
    ]);
  });

  it('asks for a bearer token on 401', () => {
    const {headers} = toProblem(new UnauthorizedError('no'));
    expect(headers['WWW-Authenticate']).to.match(/^Bearer/);
  });
});

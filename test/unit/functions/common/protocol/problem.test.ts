import {expect} from 'chai';
import {
  ConflictError,
  DownstreamError,
  HttpError,
  UnauthorizedError,
  ValidationError,
  toProblem,
} from '../../../../../functions/common/protocol/problem';

describe('toProblem', () => {
  const cases: {
    name: string;
    error: unknown;
    status: number;
    code: string;
    /** Words the detail must hold: what the client needs to know, not its wording. */
    names?: string;
  }[] = [
    {
      name: 'a conflict keeps its code and detail',
      error: new ConflictError('email-taken', 'taken'),
      status: 409,
      code: 'email-taken',
      names: 'taken',
    },
    {
      name: "a downstream 404 stays a 404 with the callee's code and detail",
      error: new DownstreamError('user', 'rejected', 404, {
        code: 'user-not-found',
        detail: 'User x not found.',
      }),
      status: 404,
      code: 'user-not-found',
      names: 'User x not found.',
    },
    {
      name: 'a downstream refusal without a problem document is relayed as refused',
      error: new DownstreamError('user', 'rejected', 404),
      status: 404,
      code: 'service-refused',
      names: 'user',
    },
    {
      name: 'an unreachable function is a 503',
      error: new DownstreamError('order', 'unavailable'),
      status: 503,
      code: 'service-unavailable',
      names: 'order',
    },
    {
      name: 'a timeout is a 504',
      error: new DownstreamError('order', 'timeout'),
      status: 504,
      code: 'service-timeout',
      names: 'order',
    },
    {
      name: 'an answer outside the contract is a 502',
      error: new DownstreamError('order', 'malformed', 200),
      status: 502,
      code: 'service-malformed-answer',
      names: 'order',
    },
    {
      name: 'any other downstream failure is a 502',
      error: new DownstreamError('user', 'failed', 500),
      status: 502,
      code: 'service-failed',
      names: 'user',
    },
    {
      name: 'a refusal with no status is a failure, a 502',
      error: new DownstreamError('user', 'rejected'),
      status: 502,
      code: 'service-failed',
      names: 'user',
    },
    {
      name: 'an unknown error is a bare 500',
      error: new Error('connect ECONNREFUSED http://10.0.0.1:8081/secret'),
      status: 500,
      code: 'internal',
    },
    {
      name: 'a thrown string is a bare 500',
      error: 'boom',
      status: 500,
      code: 'internal',
    },
  ];
  cases.forEach(c =>
    it(c.name, () => {
      const {problem} = toProblem(c.error, 'req-1', '/x');
      expect(problem).to.include({
        type: `tag:functions-s2s.example,2026:${c.code}`,
        status: c.status,
        code: c.code,
        requestId: 'req-1',
        instance: '/x',
      });
      expect(problem.detail).to.be.a('string').with.length.above(0);
      if (c.names) expect(problem.detail).to.include(c.names);
      expect(JSON.stringify(problem)).not.to.match(
        /10\.0\.0\.1|ECONNREFUSED|stack|secret|boom/,
      );
    }),
  );

  it('titles a problem with its status phrase, "Error" when Node has none', () => {
    expect(toProblem(new HttpError(409, 'x', 'X.')).problem.title).to.equal(
      'Conflict',
    );
    expect(toProblem(new HttpError(499, 'x', 'X.')).problem.title).to.equal(
      'Error',
    );
  });

  it('leaves out of a problem document what it does not have', () => {
    const {problem} = toProblem(new HttpError(409, 'email-taken', 'T.', []));
    expect(problem).to.have.all.keys(
      'type',
      'title',
      'status',
      'code',
      'detail',
    );
  });

  it('lists the fields of a validation error', () => {
    const {problem} = toProblem(
      new ValidationError('bad', [
        {field: 'items[0].price', message: 'must be a number'},
      ]),
    );
    expect(problem).to.include({status: 400, code: 'invalid-request'});
    expect(problem.errors).to.deep.equal([
      {field: 'items[0].price', message: 'must be a number'},
    ]);
  });

  it('asks for a bearer token on 401, naming the error only when one was sent', () => {
    expect(
      toProblem(new UnauthorizedError('token-required', 'no', true)).headers,
    ).to.deep.equal({'WWW-Authenticate': 'Bearer'});
    expect(
      toProblem(new UnauthorizedError('token-expired', 'no')).headers,
    ).to.deep.equal({'WWW-Authenticate': 'Bearer error="invalid_token"'});
  });

  it('names a downstream failure by service, kind and status, for the logs', () => {
    const error = new DownstreamError('user', 'failed', 502);
    expect(error.name).to.equal('DownstreamError');
    expect(error.message)
      .to.include('user')
      .and.include('failed')
      .and.include('502');
    expect(new DownstreamError('order', 'timeout').message)
      .to.include('order')
      .and.not.include('(');
  });
});

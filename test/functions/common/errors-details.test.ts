/** Error shapes word for word: downstream failures, problem documents, routes and domain errors. */
import {expect} from 'chai';
import {PUBLIC} from '../../../functions/common/access';
import {
  DownstreamError,
  HttpError,
  toProblem,
} from '../../../functions/common/problem';
import {MethodNotAllowedError, Router} from '../../../functions/common/router';
import {
  IdempotencyMismatchError,
  OrderNotFoundError,
  TransitionError,
} from '../../../functions/order/errors';
import {
  DuplicateEmailError,
  OpenOrdersError,
  UserNotFoundError,
} from '../../../functions/user/domain';

describe('error details', () => {
  it('names a downstream failure by service, kind and status, for the logs', () => {
    const withStatus = new DownstreamError('user', 'failed', 502);
    expect([withStatus.name, withStatus.message]).to.deep.equal([
      'DownstreamError',
      'user call failed (502)',
    ]);
    expect(new DownstreamError('order', 'timeout').message).to.equal(
      'order call timeout',
    );
  });

  it('leaves out of a problem document what it does not have', () => {
    const {problem} = toProblem(new HttpError(409, 'Taken.', []));
    expect(problem).to.deep.equal({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'Taken.',
    });
    const full = toProblem(
      new HttpError(400, 'Bad.', [{field: 'f', message: 'm'}]),
      'r-1',
      '/x',
    ).problem;
    expect(full).to.deep.equal({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'Bad.',
      instance: '/x',
      requestId: 'r-1',
      errors: [{field: 'f', message: 'm'}],
    });
  });

  it('relays a downstream refusal without a problem document in its own words', () => {
    const {problem} = toProblem(new DownstreamError('user', 'rejected', 404));
    expect([problem.status, problem.detail]).to.deep.equal([
      404,
      'The user service refused the request.',
    ]);
  });

  it('titles a status Node has no name for as "Error"', () => {
    expect(toProblem(new HttpError(499, 'Odd.')).problem.title).to.equal(
      'Error',
    );
  });

  it('lists the methods a path allows, and names a bad path parameter', () => {
    const error = new MethodNotAllowedError(['GET', 'DELETE']);
    expect([error.status, error.detail, error.headers]).to.deep.equal([
      405,
      'This method is not allowed on this path.',
      {Allow: 'GET, DELETE'},
    ]);
    const router = new Router([
      {
        method: 'GET',
        path: '/users/:userId',
        rule: PUBLIC,
        handler: async () => ({body: 1}),
      },
    ]);
    const match = router.match('GET', '/users/a%2Fb');
    expect(match).to.deep.include({kind: 'found', params: {userId: 'a/b'}});
    try {
      router.match('GET', '/users/%E0%A4%A');
      expect.fail('expected a validation error');
    } catch (e: unknown) {
      expect(e).to.be.instanceOf(HttpError);
      expect([(e as HttpError).detail, (e as HttpError).errors]).to.deep.equal([
        'The path is not valid.',
        [{field: 'userId', message: 'is not valid percent-encoding'}],
      ]);
    }
  });

  it('names every domain error, and says what it means', () => {
    const errors: [Error, string, string][] = [
      [
        new OrderNotFoundError('o1'),
        'OrderNotFoundError',
        'Order o1 not found.',
      ],
      [
        new TransitionError('completed', 'pending'),
        'TransitionError',
        'An order that is completed cannot become pending. It is final.',
      ],
      [
        new IdempotencyMismatchError(),
        'IdempotencyMismatchError',
        'This Idempotency-Key was already used for a different order.',
      ],
      [new UserNotFoundError('u1'), 'UserNotFoundError', 'User u1 not found.'],
      [
        new DuplicateEmailError(),
        'DuplicateEmailError',
        'A user with this email already exists.',
      ],
      [
        new OpenOrdersError('u1'),
        'OpenOrdersError',
        'User u1 has orders that are not completed or cancelled.',
      ],
    ];
    for (const [error, name, message] of errors)
      expect([error.name, error.message]).to.deep.equal([name, message]);
  });
});

/**
 * The gateway's aggregate route over HTTP with stand-in callers: users,
 * orders and stats together, and what it has when a part fails.
 */
import {expect} from 'chai';
import {DownstreamError} from '../../../../functions/common/protocol/problem';
import {gateway, usersAnswer} from '../../../fixtures/gateway';

describe('gateway function (HTTP)', () => {
  describe('GET /api/aggregate', () => {
    it('returns users, orders and stats together', async () => {
      const res = await gateway().api().get('/api/aggregate');
      expect(res.status).to.equal(200);
      expect(res.body.data).to.have.keys('users', 'orders', 'stats');
      expect(res.body).not.to.have.property('errors');
    });

    it('still answers 200 with what it has when a part fails, naming the failure', async () => {
      const res = await gateway(usersAnswer, () => {
        throw new DownstreamError('order', 'unavailable');
      })
        .api()
        .get('/api/aggregate');
      expect(res.status).to.equal(200);
      expect(res.body.data).to.have.keys('users');
      const errors = res.body.errors as {detail: unknown}[];
      for (const e of errors) expect(e.detail).to.include('order');
      const parts = res.body.errors as {
        part: string;
        status: number;
        code: string;
      }[];
      expect(
        parts.map(({part, status, code}) => ({part, status, code})),
      ).to.deep.equal([
        {part: 'orders', status: 503, code: 'service-unavailable'},
        {part: 'stats', status: 503, code: 'service-unavailable'},
      ]);
    });
  });
});

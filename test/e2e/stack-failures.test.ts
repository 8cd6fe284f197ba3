/**
 * The stack when a function fails, in both modes: a function that exits is
 * replaced by a new instance, and with the order function down the gateway
 * degrades cleanly. These tests stop and kill functions, so each mode has a
 * stack of its own here, not the one the other stack-*.test.ts files share.
 */
import {expect} from 'chai';
import {waitFor} from '../../local/processes';
import type {Stack} from '../../local/stack';
import {
  gatewayCalls,
  logEntries,
  MODES,
  startTestStack,
} from '../fixtures/stack';

for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end: a function failing`, function () {
    this.timeout(60_000);
    let stack: Stack;
    let logs: string;
    const {gw} = gatewayCalls(() => stack);

    before(async () => {
      ({stack, logs} = await startTestStack(mode, `${mode}-failures`));
    });
    after(() => stack?.stop());

    it('says when a function exits, and starts a new instance of it', async () => {
      // The user function's first instance dies, as after a crash.
      process.kill(stack.pids.user, 'SIGKILL');
      await waitFor(
        'the stack to notice',
        async () =>
          logEntries(logs, 'user').some(
            e =>
              e.component === 'stack' &&
              e.message ===
                'the user function exited (SIGKILL); starting a new instance',
          ),
        10_000,
      );
      await waitFor(
        'a new user instance',
        async () => (await gw('/api/users/user-001')).status === 200,
        30_000,
      );
    });

    it('degrades cleanly when the order function is down', async () => {
      await stack.stopFunction('order');
      const orders = await gw('/api/orders');
      expect(orders.status).to.equal(503);
      expect(orders.body.code).to.equal('service-unavailable');
      expect(orders.body.detail).to.include('order');
      const aggregate = await gw('/api/aggregate');
      expect(aggregate.status).to.equal(200);
      expect(aggregate.body.data).to.have.keys('users');
      expect(
        aggregate.body.errors.map((e: {part: string}) => e.part),
      ).to.deep.equal(['orders', 'stats']);
      expect((await gw('/api/users/user-001')).status).to.equal(200);
      expect((await gw('/api/user-orders/user-001')).status).to.equal(503);
    });
  });

/** Ports for the local stack's processes: never one that was already handed out. */
import {expect} from 'chai';
import {createServer} from 'node:net';
import * as sinon from 'sinon';
import {freePort, listenLocal} from '../../../local/processes';

describe('local ports', () => {
  it('listens on port 0 only where no port handed out by freePort is, even when the OS offers one', async () => {
    const reserved = await freePort();
    const server = createServer();
    const listen = server.listen.bind(server);
    // The OS's first offer is the port just handed out, not yet bound by
    // the process it was picked for.
    const offers = sinon
      .stub(server, 'listen')
      .callsFake(((port: number, host: string, done: () => void) =>
        listen(offers.callCount === 1 ? reserved : port, host, done)) as never);
    try {
      const port = await listenLocal(server, 0);
      // At least one more offer: the OS may also offer a port that another
      // test in this process was handed, which is refused the same way.
      expect(offers.callCount).to.be.at.least(2);
      expect(port).to.not.equal(reserved);
      expect(port).to.be.above(0);
    } finally {
      await new Promise(resolve => server.close(resolve));
    }
  });
});

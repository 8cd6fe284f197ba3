/**
 * A streamed body that passes the limit and never ends, sent to the
 * gateway as a client would: its 413 comes back while the body is still
 * being sent, through the front end in cloud mode.
 */
import {expect} from 'chai';
import type {Stack} from '../../local/stack';
import {MAX_BODY_BYTES} from '../../functions/common/http/framework';
import {MODES, sharedStack} from '../fixtures/stack';
import {streamedRequest} from '../fixtures/streamed-body';

for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end: a streamed body that never ends`, function () {
    this.timeout(60_000);
    const started = sharedStack(mode);
    let stack: Stack;
    before(() => ({stack} = started()));

    it('is answered 413 once it passes the limit, while it is still being sent, and its connection closed', async () => {
      const req = streamedRequest(`${stack.info.urls.gateway}/api/orders`);
      const sending = setInterval(() => req.send(4096), 5);
      try {
        req.send('{"items":[');
        for (let sent = 0; sent <= MAX_BODY_BYTES; sent += 4096) req.send(4096);
        const res = await req.answer;
        expect(res.status).to.equal(413);
        expect(res.headers['content-type']).to.match(
          /^application\/problem\+json/,
        );
        expect(JSON.parse(res.body).code).to.equal('body-too-large');
        // Still sending: the connection is closed for it, not held for good.
        await req.closed;
      } finally {
        clearInterval(sending);
        req.socket.destroy();
      }
    });
  });

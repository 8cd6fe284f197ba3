import {expect} from 'chai';
import {Gaxios} from 'gaxios';
import {connectorAgent} from '../../../../../functions/common/calls/egress';
import {
  transportRequest,
  type CallTransport,
} from '../../../../../functions/common/calls/transport';
import {httpCalls} from '../../../../../functions/common/tuning/http-calls';
import {json, recordingServer} from '../../../../fixtures/http-server';

describe('connectorAgent', () => {
  const transports: [string, CallTransport][] = [
    ['gaxios as it ships', new Gaxios()],
    ['httpCalls (the tuning line)', httpCalls],
  ];
  for (const [name, transport] of transports)
    it(`sends every call to the connector, unchanged, with the callee as Host, over kept-alive connections (${name})`, async () => {
      const connector = await recordingServer((_req, res) =>
        json(res, 200, {ok: 1}),
      );
      let connections = 0;
      connector.server.on('connection', () => connections++);
      const agent = connectorAgent(new URL(connector.url));
      for (const path of ['/users/1', '/orders?x=1']) {
        const res = await transport.request(
          transportRequest({
            url: `http://order.internal:8082${path}`,
            method: 'GET',
            headers: {},
            signal: new AbortController().signal,
            agent,
          }),
        );
        expect(res.status).to.equal(200);
      }
      await connector.close();
      expect(
        connector.requests.map(r => [r.url, r.headers.host]),
      ).to.deep.equal([
        ['/users/1', 'order.internal:8082'],
        ['/orders?x=1', 'order.internal:8082'],
      ]);
      expect(connections).to.equal(1);
    });

  it('refuses callees it cannot carry', () => {
    const agent = connectorAgent(new URL('http://127.0.0.1:1'));
    expect(() => agent(new URL('https://example.test/'))).to.throw(/https:/);
  });
});

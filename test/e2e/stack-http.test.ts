/**
 * What the stack opens and what it takes, in both modes: every port on
 * loopback only, where each function listens written into stack.json, and
 * a body too large refused with the function's 413 through the front end.
 */
import {expect} from 'chai';
import {readFileSync} from 'node:fs';
import {Agent, request as httpRequest} from 'node:http';
import type {Stack} from '../../local/stack';
import {endUserToken, MODES, sharedStack} from '../fixtures/stack';

/** Loopback as /proc/net/tcp and tcp6 write it: 127.0.0.1, ::ffff:127.0.0.1 and ::1. */
const LOOPBACK = new Set([
  '0100007F',
  '0000000000000000FFFF00000100007F',
  '00000000000000000000000001000000',
]);

/** The addresses each listening TCP port of this machine is bound to, from /proc/net. */
function listeningSockets(): Map<number, string[]> {
  const byPort = new Map<number, string[]>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || local === undefined) continue; // 0A: LISTEN
      const [address, port] = local.split(':');
      const n = parseInt(port, 16);
      byPort.set(n, [...(byPort.get(n) ?? []), address]);
    }
  }
  return byPort;
}

for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end: its ports and bodies`, function () {
    this.timeout(60_000);
    const started = sharedStack(mode);
    let stack: Stack;
    before(() => ({stack} = started()));

    it('listens on loopback only, on every port it opened', () => {
      const {info} = stack;
      const ports = [
        ...Object.values(stack.layout.urls),
        ...Object.values(info.listens),
        info.issuer.url,
        ...Object.values(info.identity).map(h => `http://${h}`),
        ...(info.connector ? [`http://${info.connector}`] : []),
      ].map(u => Number(new URL(u).port));
      const listening = listeningSockets();
      for (const port of new Set(ports)) {
        const addresses = listening.get(port);
        expect(addresses, `port ${port}`).not.to.equal(undefined);
        for (const a of addresses!)
          expect(LOOPBACK.has(a), `port ${port} listens on ${a}`).to.equal(
            true,
          );
      }
    });

    it("answers a body too large with the function's 413 through the front end, declared or streamed, and a small streamed body as any", async () => {
      const big =
        '{"items":[' +
        '{"product":"x","quantity":1,"price":1},'.repeat(130_000) +
        ']}';
      // A client that takes the answer as soon as it comes, as curl does:
      // the server may answer (and stop reading) before the upload ends.
      // Keep-alive, as curl and fetch: with Connection: close a server may
      // close once it has answered, under the upload.
      const agent = new Agent({keepAlive: true});
      const post = (body: string, streamed: boolean) =>
        new Promise<{status: number; type: string}>((resolve, reject) => {
          const target = new URL(`${stack.info.urls.gateway}/api/orders`);
          const req = httpRequest(
            {
              host: target.hostname,
              port: target.port,
              method: 'POST',
              path: target.pathname,
              agent,
              headers: {
                'Content-Type': 'application/json',
                Authorization: `Bearer ${endUserToken(stack)}`,
                ...(streamed
                  ? {}
                  : {'Content-Length': Buffer.byteLength(body)}),
              },
            },
            res => {
              res.resume();
              resolve({
                status: res.statusCode ?? 0,
                type: String(res.headers['content-type']),
              });
            },
          );
          req.on('error', reject); // after an answer, a settled promise ignores it
          const size = streamed ? 16 * 1024 : body.length;
          for (let i = 0; i < body.length; i += size)
            req.write(body.slice(i, i + size));
          req.end();
        });
      for (const streamed of [false, true]) {
        const res = await post(big, streamed);
        expect(res.status, `streamed: ${streamed}`).to.equal(413);
        expect(res.type).to.match(/^application\/problem\+json/);
      }
      const small = await post(
        JSON.stringify({
          userId: 'user-003',
          items: [{product: 'streamed', quantity: 1, price: 1}],
        }),
        true,
      );
      expect(small.status).to.equal(201);
      agent.destroy();
    });

    if (mode === 'cloud') {
      it('writes the mode, the connector and where each function listens into stack.json', () => {
        expect(stack.info.mode).to.equal('cloud');
        expect(stack.info.connector).to.match(/^127\.0\.0\.1:\d+$/);
        for (const name of ['gateway', 'user', 'order']) {
          expect(stack.info.listens[name]).to.match(
            /^http:\/\/127\.0\.0\.1:\d+$/,
          );
          expect(stack.info.listens[name]).not.to.equal(
            stack.layout.urls[name],
          );
        }
      });
    }
  });

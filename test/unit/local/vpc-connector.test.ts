/**
 * The local VPC connector: a plain HTTP forward proxy that hands each
 * request to the front end of the function it is for, as a request from
 * inside the VPC.
 */
import {expect} from 'chai';
import {request} from 'node:http';
import {connect} from 'node:net';
import {CloudRunFrontEnd} from '../../../local/front-end';
import {hostKey, VpcConnector} from '../../../local/vpc-connector';
import {viaConnector} from '../../fixtures/connector';
import {json, recordingServer} from '../../fixtures/http-server';

describe('VpcConnector', () => {
  const USER = 'http://127.0.0.1:8999';
  let fn: Awaited<ReturnType<typeof recordingServer>>;
  let frontEnd: CloudRunFrontEnd;
  let connector: VpcConnector;
  let address: string;
  const logged: string[] = [];

  before(async () => {
    fn = await recordingServer((_req, res) => json(res, 200, {ok: true}));
    // Internal ingress and no token needed: only where a request came from decides.
    frontEnd = new CloudRunFrontEnd({
      projectId: 'fe-test',
      service: 'user',
      url: USER,
      functionUrl: fn.url,
      ingress: 'internal-only',
      allowUnauthenticated: true,
      invokers: [],
      issuer: 'http://issuer.test',
      certsUrl: 'http://issuer.test/certs',
      log: line => logged.push(line),
    });
    connector = new VpcConnector([frontEnd], line => logged.push(line));
    address = await connector.listen(0);
  });
  after(async () => {
    await connector.close();
    frontEnd.close();
    await fn.close();
  });

  it('names loopback hosts alike however they are spelled', () => {
    expect(hostKey(new URL('http://localhost:8081/x'))).to.equal(
      hostKey(new URL('http://127.0.0.1:8081')),
    );
    expect(hostKey(new URL('http://example.test/'))).to.equal(
      'example.test:80',
    );
  });

  it('forwards a proxy request (absolute form) to the function, from inside the VPC', async () => {
    const res = await viaConnector(address, `${USER}/users?limit=1`);
    expect(res.status).to.equal(200);
    expect(fn.requests[fn.requests.length - 1].url).to.equal('/users?limit=1');
  });

  it('forwards a request routed by its Host header, as the functions send them', async () => {
    // Origin form, the connection to the connector, the Host of the callee.
    const [host, port] = address.split(':');
    const status = await new Promise<number>((resolve, reject) =>
      request(
        {
          host,
          port: Number(port),
          path: '/users',
          headers: {host: 'localhost:8999'},
        },
        res => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end(),
    );
    expect(status).to.equal(200);
    expect(fn.requests[fn.requests.length - 1].url).to.equal('/users');
  });

  it('reaches nothing but the functions of its stack', async () => {
    const before = logged.length;
    const res = await viaConnector(address, 'http://example.test/');
    expect(res.status).to.equal(502);
    expect(logged.slice(before).join('\n')).to.contain(
      "reaches only this stack's functions",
    );
  });

  it('refuses to open a tunnel (CONNECT)', async () => {
    const [host, port] = address.split(':');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), host, () =>
        socket.write(
          'CONNECT 127.0.0.1:8999 HTTP/1.1\r\nHost: 127.0.0.1:8999\r\n\r\n',
        ),
      );
      let text = '';
      socket.on('data', d => (text += d));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).to.match(/^HTTP\/1\.1 405/);
  });
});

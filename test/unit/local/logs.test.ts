/** The stack's log lines: cut into whole lines, and made readable for the terminal. */
import {expect} from 'chai';
import {lineSplitter, readableLine} from '../../../local/logs';

const request = JSON.stringify({
  severity: 'INFO',
  message: 'GET /users/u1/orders 200',
  service: 'user',
  httpRequest: {
    requestMethod: 'GET',
    requestUrl: '/users/u1/orders',
    status: 200,
    latency: '0.012345s',
  },
  caller: 'gateway-fn@p.iam.gserviceaccount.com',
  'logging.googleapis.com/trace':
    'projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736',
});

describe('logs', () => {
  it('cuts chunks into whole lines, whatever the chunks', () => {
    const lines: string[] = [];
    const split = lineSplitter(l => lines.push(l));
    split.push('{"a":');
    split.push('1}\n{"b"');
    expect(lines).to.deep.equal(['{"a":1}']);
    split.push(':2}\n\nlast');
    expect(lines).to.deep.equal(['{"a":1}', '{"b":2}']);
    split.flush();
    expect(lines).to.deep.equal(['{"a":1}', '{"b":2}', 'last']);
  });

  it('shows a request as time, function, method and path, status, latency, caller and short trace', () => {
    const line = readableLine('user', request);
    expect(line).to.match(
      /^\d\d:\d\d:\d\d\.\d{3} user +GET \/users\/u1\/orders +200 +12\.3 ms +gateway-fn@p\.iam\.gserviceaccount\.com +trace 4bf92f35$/,
    );
    expect(line).not.to.contain('\x1b[');
  });

  it('names the end user a request acted for, before its caller, and a public function’s by the end user alone', () => {
    const bob = {uid: 'user-002', admin: false};
    const atUser = JSON.parse(request);
    expect(
      readableLine('user', JSON.stringify({...atUser, endUser: bob})),
    ).to.contain(' user-002 via gateway-fn@p.iam.gserviceaccount.com ');
    const atGateway = {...atUser, caller: 'anonymous'};
    expect(
      readableLine(
        'gateway',
        JSON.stringify({...atGateway, endUser: {uid: 'user-001', admin: true}}),
      ),
    )
      .to.contain(' user-001 (admin) ')
      .and.not.contain('anonymous');
    // No end user checked (a public route): the caller only.
    expect(
      readableLine(
        'gateway',
        JSON.stringify({...atGateway, endUser: 'anonymous'}),
      ),
    ).to.contain(' anonymous ');
  });

  it('colours the status by class when asked', () => {
    expect(readableLine('user', request, true)).to.contain('\x1b[32m200');
    const failed = request.replace('"status":200', '"status":503');
    expect(readableLine('user', failed, true)).to.contain('\x1b[31m503');
    const refused = request.replace('"status":200', '"status":403');
    expect(readableLine('user', refused, true)).to.contain('\x1b[33m403');
  });

  it('shows a front end’s refusal with its reason', () => {
    const line = JSON.stringify({
      severity: 'WARNING',
      message: 'The request was blocked by the ingress setting.',
      service: 'user',
      component: 'front-end',
      httpRequest: {requestMethod: 'GET', requestUrl: '/users', status: 404},
    });
    expect(readableLine('front-end', line)).to.match(
      /user:fe +GET \/users +404 +- +refused: The request was blocked by the ingress setting\./,
    );
  });

  it("leaves out a front end's line of a request the function answered, and shows one whose caller got no answer", () => {
    const passed = (status: number) =>
      JSON.stringify({
        severity: 'INFO',
        message: `GET /users ${status}`,
        service: 'user',
        component: 'front-end',
        passed: true,
        caller: 'gateway-fn@p.iam.gserviceaccount.com',
        httpRequest: {
          requestMethod: 'GET',
          requestUrl: '/users',
          status,
          latency: '0.020s',
        },
      });
    expect(readableLine('front-end', passed(200))).to.equal(undefined);
    expect(readableLine('front-end', passed(404))).to.equal(undefined);
    expect(readableLine('front-end', passed(499))).to.match(
      /user:fe +GET \/users +499 +20\.0 ms +gateway-fn@p\.iam\.gserviceaccount\.com/,
    );
  });

  it('shows other JSON lines by severity and message, and anything else as it came', () => {
    expect(
      readableLine(
        'order',
        JSON.stringify({
          severity: 'ERROR',
          message: 'request failed',
          error: 'Error: x',
        }),
      ),
    ).to.match(/order +ERROR request failed \nError: x$/);
    expect(readableLine('order', 'Serving function...')).to.equal(
      '[order]     Serving function...',
    );
  });
});

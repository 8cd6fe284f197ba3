import {expect} from 'chai';
import {
  luaString,
  parseWrkOutput,
  wrkArgs,
  wrkScript,
} from '../../../bench/wrk';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.secret-part.signature';

/** What wrk prints before the script's line, as 4.1.0 prints it. */
const REPORT = `Running 1s test @ http://127.0.0.1:8080/api/user-orders/user-001
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.61ms  812.00us  12.00ms   80.00%
  6123 requests in 1.00s, 1.20MB read
Requests/sec:   6120.00
Transfer/sec:      1.20MB
`;

const figures = (fields: Record<string, unknown>) =>
  `${REPORT}${JSON.stringify({
    requests: 6123,
    durationUs: 2_000_000,
    p50Us: 2500,
    p99Us: 9000,
    connect: 0,
    read: 1,
    write: 0,
    timeout: 0,
    status: 2,
    ...fields,
  })}\n`;

describe('wrk runs (bench/wrk.ts)', () => {
  it("reads the figures of the script's line: per second from µs, errors the sum of their kinds", () => {
    expect(parseWrkOutput(figures({}))).to.deep.equal({
      requests: 6123,
      durationS: 2,
      p50Ms: 2.5,
      p99Ms: 9,
      errors: 3,
      errorsByKind: {connect: 0, read: 1, write: 0, timeout: 0, status: 2},
    });
  });

  const garbage = [
    {name: "wrk's report alone", output: REPORT},
    {name: 'nothing', output: ''},
    {name: 'a line that is not JSON', output: `${REPORT}{requests: 1}\n`},
    {name: 'a count as a string', output: figures({requests: '6123'})},
    {name: 'a count missing', output: figures({p99Us: undefined})},
    {name: 'a negative count', output: figures({read: -1})},
    {name: 'a kind of error missing', output: figures({status: undefined})},
    {name: 'a run of no time', output: figures({durationUs: 0})},
    {
      name: 'code where a number goes',
      output: `${REPORT}{"requests":process.exit(1)}\n`,
    },
  ];
  garbage.forEach(c =>
    it(`refuses ${c.name}`, () => {
      expect(() => parseWrkOutput(c.output)).to.throw(Error);
    }),
  );

  it('puts the headers in the script and none on the command line', () => {
    const headers = {authorization: `Bearer ${TOKEN}`};
    const script = wrkScript(headers, {method: 'GET', path: '/api/x'});
    expect(script).to.include(TOKEN);
    const args = wrkArgs('/tmp/wrk-1/load.lua', 'http://127.0.0.1:1/x', 16, 3);
    expect(args.join(' ')).not.to.include(TOKEN);
    expect(args).to.include.members([
      '-t1',
      '-c16',
      '-d3s',
      '/tmp/wrk-1/load.lua',
    ]);
  });

  it('asks wrk for whole seconds, the next one up', () => {
    expect(wrkArgs('s.lua', 'http://h/', 2, 0.3)).to.include('-d1s');
    expect(wrkArgs('s.lua', 'http://h/', 2, 3)).to.include('-d3s');
  });

  it('refuses a header with a line break, which would start a request of its own', () => {
    expect(() =>
      wrkScript(
        {'x-a': 'b\r\nGET /admin HTTP/1.1'},
        {method: 'GET', path: '/'},
      ),
    ).to.throw(Error);
  });

  it('formats one body per buyer, and a plain body without buyers', () => {
    const body = {userId: 'b0', items: [1]};
    const buyers = wrkScript(
      {},
      {method: 'POST', path: '/', body, buyers: ['b1', 'b2']},
    );
    expect(buyers).to.include('function request()');
    for (const b of ['b1', 'b2'])
      expect(buyers).to.include(
        luaString(JSON.stringify({userId: b, items: [1]})),
      );
    const plain = wrkScript({}, {method: 'POST', path: '/', body});
    expect(plain).to.include(`wrk.body = ${luaString(JSON.stringify(body))}`);
    expect(plain).to.include(
      `${luaString('content-type')}] = ${luaString('application/json')}`,
    );
    expect(plain).not.to.include('function request()');
  });

  it('writes strings Lua 5.1 reads: no quote, backslash or byte above ASCII bare', () => {
    expect(luaString('a"b\\c\né')).to.equal('"a\\034b\\092c\\010\\195\\169"');
  });
});

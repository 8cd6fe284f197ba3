/**
 * The benchmark's open-loop load (bench/load.ts) run by the real wrk
 * against a node:http server that records what it is sent: the method,
 * the headers from the script, the buyers' bodies in turn, wrk's counts,
 * and the token kept off wrk's command line and out of the disk after.
 */
import {expect} from 'chai';
import {existsSync, readFileSync, statSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {load} from '../../../bench/load';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.a"quote\\and-backslash.signature';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** The command lines of this process's children, read from /proc. */
function childCommandLines(): string[][] {
  const children = readFileSync(
    `/proc/${process.pid}/task/${process.pid}/children`,
    'utf8',
  )
    .split(' ')
    .filter(Boolean);
  return children.flatMap(pid => {
    try {
      return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')];
    } catch {
      return []; // gone since
    }
  });
}

describe('load with wrk (bench/load.ts, bench/wrk.ts)', function () {
  this.timeout(60_000);
  let server: Server;
  let url: string;
  let seen: Seen[];
  let wrkLine: string[] | undefined;
  let scriptMode: number | undefined;
  let status = 200;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method!,
          url: req.url!,
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
        });
        if (wrkLine === undefined) {
          wrkLine = childCommandLines().find(a => a[0] === 'wrk');
          const script = wrkLine?.[wrkLine.indexOf('-s') + 1];
          if (script !== undefined) scriptMode = statSync(script).mode & 0o777;
        }
        res.statusCode = status;
        res.end('{}');
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise(r => server.close(r)));
  beforeEach(() => {
    seen = [];
    wrkLine = undefined;
    scriptMode = undefined;
    status = 200;
  });

  it("sends the script's headers and turns the body through the buyers", async () => {
    const buyers = ['b1', 'b2', 'b3'];
    const result = await load(
      {url, headers: {authorization: `Bearer ${TOKEN}`}},
      {
        id: 'create',
        title: 'create',
        method: 'POST',
        path: '/api/orders?x=1',
        body: {userId: 'b0', items: [{product: 'Bench', quantity: 2}]},
        buyers,
        functions: 1,
      },
      4,
      1,
    );
    expect(seen.length).to.be.above(30);
    // wrk counts the answers it read; the server may have answered a few
    // more it had not read when the time was up.
    expect(result.requests).to.be.within(seen.length - 4, seen.length);
    expect(result.errors).to.equal(0);
    expect(result.requestsPerSec).to.be.above(0);
    expect(result.p99Ms).to.be.at.least(result.p50Ms);
    for (const s of seen) {
      expect(s.method).to.equal('POST');
      expect(s.url).to.equal('/api/orders?x=1');
      expect(s.authorization).to.equal(`Bearer ${TOKEN}`);
      expect(s.contentType).to.equal('application/json');
    }
    const users = seen.map(s => JSON.parse(s.body).userId as string);
    const counts = buyers.map(b => users.filter(u => u === b).length);
    // Every buyer in turn, none left out, none taking more than its share.
    expect(Math.max(...counts) - Math.min(...counts)).to.be.at.most(4);
    expect(JSON.parse(seen[0].body).items).to.deep.equal([
      {product: 'Bench', quantity: 2},
    ]);

    expect(wrkLine, 'wrk was a child of this process').to.be.an('array');
    expect(wrkLine!.join(' ')).not.to.include(TOKEN.split('.')[1]);
    expect(scriptMode).to.equal(0o600);
    const script = wrkLine![wrkLine!.indexOf('-s') + 1];
    expect(existsSync(script), 'the script is removed after').to.equal(false);
  });

  it('counts answers above 399 as errors, and sends a GET with no body', async () => {
    status = 503;
    const result = await load(
      {url, headers: {}},
      {id: 'get', title: 'get', method: 'GET', path: '/x', functions: 1},
      2,
      1,
    );
    expect(result.requests).to.be.above(0);
    expect(result.errors).to.equal(result.requests);
    expect(seen.every(s => s.method === 'GET' && s.body === '')).to.equal(true);
  });

  it('runs for a fraction of a second, which wrk cannot be asked for', async () => {
    const result = await load(
      {url, headers: {}},
      {id: 'get', title: 'get', method: 'GET', path: '/x', functions: 1},
      2,
      0.3,
    );
    expect(result.requests).to.be.above(0);
    expect(result.errors).to.equal(0);
    // Stopped before the whole second wrk was asked for, by wrk's clock.
    expect(result.requests / result.requestsPerSec).to.be.below(1);
  });

  it('fails, saying to install it, where wrk is not on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const run = load(
        {url, headers: {}},
        {id: 'get', title: 'get', method: 'GET', path: '/x', functions: 1},
        1,
        1,
      );
      await run.then(
        () => expect.fail('the run went ahead without wrk'),
        (e: unknown) => expect(String(e)).to.include('apt-get install wrk'),
      );
    } finally {
      process.env.PATH = saved;
    }
    expect(seen).to.deep.equal([]);
  });
});

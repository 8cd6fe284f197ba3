/**
 * What createHttpFunction logs of a request: the one request line, under
 * the request's span, even when the caller hangs up.
 */
import {expect} from 'chai';
import {get} from 'node:http';
import request from 'supertest';
import {createHttpFunction} from '../../../../../functions/common/http/http-function';
import {logRequest} from '../../../../../functions/common/http/request-log';
import {createContext} from '../../../../../functions/common/http/context';
import {
  JsonLogger,
  type Logger,
} from '../../../../../functions/common/telemetry/logger';
import {frameworkServer} from '../../../../fixtures/functions';
import {PUBLIC} from '../../../../../functions/common/http/access';
import {recordingTracing} from '../../../../fixtures/context';

/** A span's start and duration, in ms. */
function timesOf(span: {
  startTime: [number, number];
  duration: [number, number];
}) {
  const ms = ([s, ns]: [number, number]) => s * 1e3 + ns / 1e6;
  return {startMs: ms(span.startTime), durationMs: ms(span.duration)};
}
describe('createHttpFunction: the request line', () => {
  it('logs a request whose caller hung up, once, as 499, when the caller left', async () => {
    const lines: Record<string, unknown>[] = [];
    let release: (() => void) | undefined;
    let answered = false;
    const tracing = recordingTracing();
    const server = frameworkServer(
      createHttpFunction({
        tracer: tracing.tracer,
        service: 'test',
        projectId: 'p',
        requestTimeoutMs: 15_000,
        endUsers: 'off',
        logger: new JsonLogger('test', 'info', {
          add: line => lines.push(JSON.parse(line)),
        }),
        routes: [
          {
            method: 'GET',
            path: '/slow',
            rule: PUBLIC,
            // Answers only once the test lets it.
            handler: () =>
              new Promise(r => {
                release = () => {
                  answered = true;
                  r({body: {}});
                };
              }),
          },
        ],
      }),
    );
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    const {port} = server.address() as {port: number};
    const req = get({host: '127.0.0.1', port, path: '/slow'});
    req.on('error', () => undefined);
    while (release === undefined) await new Promise(r => setImmediate(r));
    req.destroy(); // the caller gives up, as a hop timeout does
    while (lines.length === 0) await new Promise(r => setImmediate(r));
    // Written when the caller left, while the handler still worked.
    expect(answered).to.equal(false);
    release();
    // Past the handler's answer: it must not log the request again.
    for (let i = 0; i < 20; i++) await new Promise(r => setImmediate(r));
    server.close();
    expect(lines).to.have.length(1);
    const [line] = lines as {
      httpRequest: {status: number; latency: string};
    }[];
    expect(line.httpRequest.status).to.equal(499);
    const spans = tracing.exporter.getFinishedSpans();
    expect(spans).to.have.length(1);
    expect(spans[0].attributes['http.response.status_code']).to.equal(499);
    // The span ends when the caller left: before the handler answered.
    expect(timesOf(spans[0]).durationMs).to.be.a('number');
  });

  it('starts the request’s span when the request arrives, and puts its line under it', async () => {
    const lines: string[] = [];
    let handlerStartedAt = 0;
    const tracing = recordingTracing();
    const server = frameworkServer(
      createHttpFunction({
        tracer: tracing.tracer,
        service: 'test',
        projectId: 'p',
        requestTimeoutMs: 15_000,
        endUsers: 'off',
        logger: new JsonLogger('test', 'info', {
          add: line => lines.push(line),
        }),
        routes: [
          {
            method: 'GET',
            path: '/slow',
            rule: PUBLIC,
            handler: async () => {
              handlerStartedAt = Date.now();
              await new Promise(r => setTimeout(r, 100));
              return {body: {ok: true}};
            },
          },
        ],
      }),
    );
    expect((await request(server).get('/slow')).status).to.equal(200);
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    const [span] = tracing.exporter.getFinishedSpans();
    const {startMs, durationMs} = timesOf(span);
    expect(startMs).to.be.at.most(handlerStartedAt);
    expect(durationMs).to.be.at.least(100);
    expect(span.name).to.equal('GET /slow');
    expect(span.attributes).to.include({
      'http.request.method': 'GET',
      'url.path': '/slow',
      'http.response.status_code': 200,
      's2s.caller': 'anonymous',
      's2s.auth.check': 'none',
      's2s.end_user': 'anonymous',
    });
    const {traceId, spanId} = span.spanContext();
    expect(line).to.include({
      'logging.googleapis.com/trace': `projects/p/traces/${traceId}`,
      'logging.googleapis.com/spanId': spanId,
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('is not built when the logger would not write it', () => {
    const logged: string[] = [];
    const silent: Logger = {
      enabled: () => false,
      log: (_severity, message) => logged.push(message),
    };
    logRequest(silent, 'p', {
      method: 'GET',
      path: '/ok',
      status: 200,
      durationMs: 1,
      ctx: createContext(
        {},
        {requestTimeoutMs: 1_000, tracer: recordingTracing().tracer, name: 'x'},
      ),
      auth: {check: 'none'},
    });
    expect(logged).to.deep.equal([]);
  });
});

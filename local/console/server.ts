/**
 * The local console: one page (local/console/page.html, plain HTML and
 * JavaScript, nothing to build) and the JSON API it uses:
 *   GET /api/topology           the functions, their accounts, ingress and invoker edges
 *   GET /api/traces?limit=N     recent traces, newest first
 *   GET /api/traces/{traceId}   one trace's spans
 *   GET /api/events             server-sent events: every request as it is logged, and
 *                               (event "notice") what the platform did to an instance
 *   POST /v1/traces             OTLP/HTTP, JSON: the functions' spans, and those of
 *                               anything that speaks OpenTelemetry (otlp.ts)
 * It listens on 127.0.0.1 only: it shows callers and paths of the stack.
 */
import {readFileSync} from 'node:fs';
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import * as path from 'node:path';
import type {Topology} from '../../scripts/topology';
import {closeServer, listenLocal} from '../processes';
import {MAX_BODY_BYTES} from './limits';
import {exportTraceRequest, spansOfExport} from './otlp';
import {TRACE_ID, type TraceStore} from './traces';

export interface ConsoleOptions {
  traces: TraceStore;
  topology: Topology;
  /** Each function's service account email. */
  accounts: Record<string, string>;
  /** The project's folder, where the page is. */
  root: string;
}

const MAX_LIMIT = 200;

/** The topology as the page draws it. */
export function topologyView(
  topology: Topology,
  accounts: Record<string, string>,
) {
  return {
    functions: topology.declared.map(f => ({
      name: f.name,
      serviceAccount: accounts[f.name],
      ingress: f.ingress,
      public: f.allowUnauthenticated,
      calls: f.calls,
      invokers: f.invokers,
      // Its own database and collections; absent when it keeps no data.
      firestore: f.firestore,
    })),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    'Content-Type':
      status >= 400 ? 'application/problem+json' : 'application/json',
    'Cache-Control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, detail: string): void {
  sendJson(res, status, {
    type: 'about:blank',
    title: STATUS_CODES[status],
    status,
    detail,
  });
}

export class LocalConsole {
  private server?: Server;
  private readonly streams = new Set<ServerResponse>();
  /** The Host values that name this console: anything else is another site's page reaching it (DNS rebinding). */
  private hosts = new Set<string>();

  constructor(private readonly options: ConsoleOptions) {}

  /** Listens on `port` (0: any free one); resolves to the console's URL. */
  async listen(port: number): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    const bound = await listenLocal(this.server, port);
    this.hosts = new Set([`127.0.0.1:${bound}`, `localhost:${bound}`]);
    return `http://127.0.0.1:${bound}`;
  }

  async close(): Promise<void> {
    for (const res of this.streams) res.end();
    if (this.server) await closeServer(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://console');
    // A page on another site whose name was made to resolve to 127.0.0.1
    // reaches this port with its own name in Host: it must not read traces.
    if (!this.hosts.has((req.headers.host ?? '').toLowerCase()))
      return problem(res, 421, 'This console answers only at its own address.');
    if (url.pathname === '/v1/traces')
      return this.receive(req, res, 'OTLP/HTTP, JSON', body => {
        const parsed = exportTraceRequest.safeParse(body);
        if (!parsed.success) return false;
        for (const {traceId, span, event} of spansOfExport(parsed.data))
          this.options.traces.add(traceId, [span], event);
        return true;
      });
    if (req.method !== 'GET') return problem(res, 405, 'Only GET is served.');
    const {traces} = this.options;
    if (url.pathname === '/') {
      res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8'});
      res.end(this.page());
      return;
    }
    if (url.pathname === '/api/topology')
      return sendJson(
        res,
        200,
        topologyView(this.options.topology, this.options.accounts),
      );
    if (url.pathname === '/api/traces') {
      const raw = url.searchParams.get('limit') ?? '20';
      const limit = Number(raw);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
        return problem(res, 400, `limit must be 1 to ${MAX_LIMIT}.`);
      return sendJson(res, 200, {traces: traces.list(limit)});
    }
    const match = /^\/api\/traces\/([^/]+)$/.exec(url.pathname);
    if (match) {
      if (!TRACE_ID.test(match[1]))
        return problem(res, 400, 'A trace id is 32 hex digits.');
      const trace = traces.get(match[1]);
      return trace === undefined
        ? problem(res, 404, 'No such trace here (yet, or any more).')
        : sendJson(res, 200, trace);
    }
    if (url.pathname === '/api/events') return this.events(res);
    problem(res, 404, 'No such page.');
  }

  /**
   * A POST of JSON (`what`, for the refusals) handed to `take`, which says
   * whether it was what it should be. Only application/json is taken: a
   * page on another site can send a form or text/plain without asking,
   * but not JSON, so no page can put anything in the console.
   */
  private receive(
    req: IncomingMessage,
    res: ServerResponse,
    what: string,
    take: (body: unknown) => boolean,
  ): void {
    if (req.method !== 'POST') return problem(res, 405, `POST ${what} here.`);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (type !== 'application/json')
      return problem(
        res,
        415,
        `Only ${what} is taken (Content-Type: application/json), not protobuf or a form.`,
      );
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES)
        return problem(res, 413, `A body is at most ${MAX_BODY_BYTES} bytes.`);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return problem(res, 400, 'The body is not JSON.');
      }
      if (!take(body)) return problem(res, 400, `The body is not ${what}.`);
      sendJson(res, 200, {});
    });
  }

  /** Server-sent events: the requests and notices kept so far, then each new one. */
  private events(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    // Node holds the headers back until the first write; the page's
    // EventSource shows "live" only once it has them, and a stack nothing
    // has called yet has no event to send.
    res.flushHeaders();
    const send = (event: unknown) =>
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    const sendNotice = (notice: unknown) =>
      res.write(`event: notice\ndata: ${JSON.stringify(notice)}\n\n`);
    const {traces} = this.options;
    for (const event of traces.recent) send(event);
    for (const notice of traces.notices) sendNotice(notice);
    const stops = [traces.subscribe(send), traces.subscribeNotices(sendNotice)];
    this.streams.add(res);
    res.on('close', () => {
      for (const stop of stops) stop();
      this.streams.delete(res);
    });
  }

  private page(): string {
    // Read on every request: editing the page needs no restart.
    return readFileSync(
      path.join(this.options.root, 'local', 'console', 'page.html'),
      'utf8',
    );
  }
}

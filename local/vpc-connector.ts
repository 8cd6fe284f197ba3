/**
 * A local stand-in for the Serverless VPC Access connector: a plain HTTP
 * forward proxy. What comes through it comes "from inside the VPC", so it
 * passes the ingress check of functions whose ingress is internal. The
 * functions' outgoing calls go through it (as `--egress-settings=all` sends
 * them through the connector on Google Cloud), and anyone on this machine can
 * send a request from inside with `curl -x http://<connector> <function URL>`.
 *
 * It accepts the absolute form a proxy client sends (`GET http://host/path`)
 * and the origin form with a Host header that the functions' connector agent
 * sends (functions/common/calls/egress.ts). It reaches only this stack's functions:
 * it hands each request to the function's front end in this process.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type {CloudRunFrontEnd} from './front-end';
import {sendGooglePage} from './google-pages';
import {closeServer, listenLocal} from './processes';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** A key for a host:port that names the same place however it is spelled. */
export function hostKey(url: URL): string {
  const host = LOOPBACK.has(url.hostname) ? '127.0.0.1' : url.hostname;
  return `${host}:${url.port || '80'}`;
}

export class VpcConnector {
  private readonly server: Server;
  private readonly frontEnds = new Map<string, CloudRunFrontEnd>();

  constructor(
    frontEnds: CloudRunFrontEnd[],
    private readonly log: (line: string) => void,
  ) {
    for (const fe of frontEnds)
      this.frontEnds.set(hostKey(new URL(fe.options.url)), fe);
    this.server = createServer((req, res) => this.route(req, res));
    // A tunnel would hide the requests from the front ends: plain HTTP only.
    this.server.on('connect', (_req, socket) =>
      socket.end(
        'HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\n\r\n',
      ),
    );
  }

  /** Listens on `port` (0: any free one); resolves to host:port. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    return `${host}:${await listenLocal(this.server, port, host)}`;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const target = targetOf(req);
    const frontEnd = target && this.frontEnds.get(hostKey(target));
    if (!frontEnd) {
      this.log(
        JSON.stringify({
          severity: 'WARNING',
          message:
            "The local VPC connector reaches only this stack's functions.",
          component: 'vpc-connector',
          httpRequest: {
            requestMethod: req.method,
            requestUrl: req.url,
            status: 502,
          },
        }),
      );
      sendGooglePage(res, 502, target?.pathname ?? '/');
      return;
    }
    void frontEnd.handle(req, res, 'vpc');
  }
}

/** Where a request is going: its absolute URL, or its Host header. */
function targetOf(req: IncomingMessage): URL | undefined {
  try {
    if (req.url?.startsWith('/')) {
      return req.headers.host
        ? new URL(`http://${req.headers.host}${req.url}`)
        : undefined;
    }
    const url = new URL(req.url ?? '');
    return url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

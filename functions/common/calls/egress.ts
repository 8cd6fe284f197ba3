/**
 * Outgoing connections through a VPC connector. On Google Cloud,
 * `--egress-settings=all` routes a function's traffic through its Serverless
 * VPC Access connector at the network level, so the function's own code
 * cannot tell. Locally the stack stands a proxy in for the connector
 * (`EGRESS_PROXY`); this agent opens every connection to it instead of to
 * the callee and leaves each request exactly as it would be sent to the
 * callee: the connector routes it by its Host header, as the network routes
 * it by address on Google Cloud.
 */
import * as http from 'node:http';
import * as net from 'node:net';

class ConnectorAgent extends http.Agent {
  constructor(private readonly connector: URL) {
    // Connections to the connector are kept alive and pooled per callee,
    // as the default agent pools them per callee without one.
    super({keepAlive: true});
  }

  override createConnection(): net.Socket {
    return net.connect(Number(this.connector.port), this.connector.hostname);
  }
}

/**
 * The agent for calls that leave through the connector at `connector`
 * (http://host:port). Only plain-HTTP callees can be reached this way, which
 * is what the local stack serves.
 */
export function connectorAgent(connector: URL): (url: URL) => http.Agent {
  const agent = new ConnectorAgent(connector);
  return url => {
    if (url.protocol !== 'http:')
      throw new Error(`The local VPC connector does not carry ${url.protocol}`);
    return agent;
  };
}

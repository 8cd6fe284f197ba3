/**
 * The local stand-in for Google's identity plumbing. It plays the metadata
 * server, once per service account, each on its own port: a function whose
 * GCE_METADATA_HOST points at a port gets that account's ID tokens, signed
 * RS256, for whatever audience it asks. It also plays the issuer, publishing
 * the public key at a certs URL so the callee can verify. Tokens live an hour,
 * like Google's, well past google-auth-library's 5-minute early refresh.
 * And it plays Identity Platform for end users (identity-toolkit.ts), under
 * /identitytoolkit.googleapis.com, with its own signing key published where
 * Google publishes Identity Platform's. Each account's metadata port also
 * gives that account's OAuth access token, which the local Identity
 * Toolkit takes for reading accounts (accounts:lookup), as
 * roles/firebaseauth.viewer lets each function's account on Google Cloud.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {IdentityToolkit, type SeedAccount} from './identity-toolkit';
import {closeServer, listenLocal} from './processes';
import {claimsFor, TokenSigner} from './token-signer';

const TOKEN_LIFETIME_S = 3600;
const TOOLKIT_PREFIX = '/identitytoolkit.googleapis.com';
const END_USER_CERTS_PATH =
  '/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com';
const IDENTITY_PATH =
  '/computeMetadata/v1/instance/service-accounts/default/identity';
const ACCESS_TOKEN_PATH =
  '/computeMetadata/v1/instance/service-accounts/default/token';

export interface IdentityInfo {
  /** The `iss` of every token; the callee's TOKEN_ISSUER. */
  issuer: string;
  /** Where the public keys are; the callee's TOKEN_CERTS_URL. */
  certsUrl: string;
  /** For each account, the metadata host (host:port) that issues its tokens. */
  hosts: Record<string, string>;
  /** Where end users sign in, and how their tokens are checked. */
  endUsers: EndUserInfo;
}

/** The end users' side: what `.local/stack.json` calls `endUsers`, less the accounts. */
export interface EndUserInfo {
  /** The base of the Identity Toolkit REST API: `${identityToolkit}/v1/accounts:signInWithPassword?key=${apiKey}`. */
  identityToolkit: string;
  apiKey: string;
  /** `https://securetoken.google.com/<project>`, as on Google Cloud. */
  issuer: string;
  /** The project id. */
  audience: string;
  /** Where the keys of end users' tokens are; the functions' END_USER_CERTS_URL. */
  certsUrl: string;
}

export class IdentityServer {
  readonly signer = new TokenSigner();
  /** End users' accounts and tokens. */
  readonly toolkit: IdentityToolkit;
  /** Tokens issued, per account: the benchmark reads this to show caching works. */
  readonly issued: Record<string, number> = {};
  /** Times the public keys were fetched: receivers should cache them. */
  certsServed = 0;
  private readonly servers: Server[] = [];
  private issuer = '';

  /**
   * @param accounts account name to service account email, e.g.
   *   {gateway: 'gateway@my-project.iam.gserviceaccount.com'}
   */
  constructor(
    private readonly accounts: Record<string, string>,
    private readonly projectId: string,
    endUsers: SeedAccount[] = [],
    private readonly host = '127.0.0.1',
  ) {
    this.toolkit = new IdentityToolkit(projectId, endUsers);
  }

  async start(): Promise<IdentityInfo> {
    const issuerPort = await this.listen(this.issuerHandler());
    this.issuer = `http://${this.host}:${issuerPort}`;
    const hosts: Record<string, string> = {};
    for (const [name, email] of Object.entries(this.accounts)) {
      this.issued[name] = 0;
      const accessToken = this.toolkit.addReader();
      const port = await this.listen(
        this.metadataHandler(name, email, accessToken),
      );
      hosts[name] = `${this.host}:${port}`;
    }
    return {
      issuer: this.issuer,
      certsUrl: `${this.issuer}/oauth2/v1/certs`,
      hosts,
      endUsers: {
        identityToolkit: `${this.issuer}${TOOLKIT_PREFIX}`,
        apiKey: this.toolkit.apiKey,
        issuer: this.toolkit.issuer,
        audience: this.projectId,
        certsUrl: `${this.issuer}${END_USER_CERTS_PATH}`,
      },
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map(closeServer));
    this.servers.length = 0;
  }

  private listen(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<number> {
    const server = createServer(handler);
    this.servers.push(server);
    return listenLocal(server, 0, this.host);
  }

  /** A signer's public keys, as Google publishes its own. */
  private sendCerts(res: ServerResponse, signer: TokenSigner): void {
    // Receivers cache the keys for as long as this allows, as with Google's.
    this.certsServed++;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=3600',
    });
    res.end(JSON.stringify(signer.certs()));
  }

  private issuerHandler() {
    return (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname;
      if (path.startsWith(`${TOOLKIT_PREFIX}/`)) {
        void this.toolkit.handle(
          req,
          res,
          path.slice(TOOLKIT_PREFIX.length),
          url.searchParams,
        );
      } else if (req.method === 'GET' && path === END_USER_CERTS_PATH) {
        this.sendCerts(res, this.toolkit.signer);
      } else if (req.method === 'GET' && path === '/oauth2/v1/certs') {
        this.sendCerts(res, this.signer);
      } else if (req.method === 'GET' && path === '/stats') {
        res.writeHead(200, {'Content-Type': 'application/json'});
        res.end(JSON.stringify({issued: this.issued}));
      } else {
        res.writeHead(404).end();
      }
    };
  }

  private metadataHandler(name: string, email: string, accessToken: string) {
    const answer = (
      res: ServerResponse,
      status: number,
      body: string,
      type = 'text/plain',
    ) => {
      res.writeHead(status, {
        'Metadata-Flavor': 'Google',
        'Content-Type': type,
      });
      res.end(body);
    };
    return (req: IncomingMessage, res: ServerResponse) => {
      // The real metadata server refuses requests without this header, which
      // keeps it from being reached through a server-side request forgery.
      if (req.headers['metadata-flavor'] !== 'Google')
        return answer(res, 403, 'Missing Metadata-Flavor: Google');
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/':
        case '/computeMetadata/v1/instance':
        case '/computeMetadata/v1/instance/':
          return answer(res, 200, '');
        case '/computeMetadata/v1/project/project-id':
          return answer(res, 200, this.projectId);
        case '/computeMetadata/v1/instance/service-accounts/default/email':
          return answer(res, 200, email);
        case IDENTITY_PATH: {
          const audience = url.searchParams.get('audience');
          if (!audience) return answer(res, 400, 'audience is required');
          this.issued[name]++;
          return answer(
            res,
            200,
            this.signer.sign(
              claimsFor(this.issuer, email, audience, TOKEN_LIFETIME_S),
            ),
          );
        }
        case ACCESS_TOKEN_PATH:
          // The metadata server's JSON: the same token for the account's
          // life here, said to last an hour, as Google's do.
          return answer(
            res,
            200,
            JSON.stringify({
              access_token: accessToken,
              expires_in: TOKEN_LIFETIME_S,
              token_type: 'Bearer',
            }),
            'application/json',
          );
        default:
          return answer(res, 404, 'Not Found');
      }
    };
  }
}

/**
 * Outgoing identity: the ID token a function presents when it calls another.
 * Tokens come from the metadata server (on Google Cloud the real one, locally
 * this project's identity server) through google-auth-library, one
 * IdTokenClient per audience, so each token is reused until 5 minutes before
 * it expires.
 */
import type {GoogleAuth, IdTokenClient} from 'google-auth-library';
import {givenOrOnFirstUse} from '../platform/lazy';
import {metadataAuth} from '../identity/google-auth';
import {inSpan, SpanKind, type SpanParent} from '../telemetry/tracing';

/**
 * Source of the Authorization header value for a call to `audience`; a
 * token it has to fetch is a span under `parent`.
 */
export interface IdTokenSource {
  authorization(audience: string, parent?: SpanParent): Promise<string>;
}

/**
 * Whether `client` has a token it will use without fetching one, read from
 * AuthClient's public `credentials` and `eagerRefreshThresholdMillis`, by
 * the rule the client itself applies before it refreshes.
 */
function holdsToken(client: IdTokenClient): boolean {
  const {id_token, expiry_date} = client.credentials ?? {};
  return (
    id_token !== undefined &&
    id_token !== null &&
    typeof expiry_date === 'number' &&
    expiry_date > Date.now() + (client.eagerRefreshThresholdMillis ?? 0)
  );
}

export class MetadataIdTokenSource implements IdTokenSource {
  private readonly clients = new Map<string, Promise<IdTokenClient>>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly auth: () => GoogleAuth;

  /**
   * @param auth Defaults to the metadata server's identity (metadataAuth),
   *   made when the first token is asked for.
   */
  constructor(auth?: GoogleAuth) {
    this.auth = givenOrOnFirstUse(auth, metadataAuth);
  }

  authorization(audience: string, parent?: SpanParent): Promise<string> {
    // IdTokenClient does not share a fetch in progress between concurrent
    // callers: without this, a burst at cold start would fetch one token per
    // request instead of one.
    let pending = this.pending.get(audience);
    if (pending === undefined) {
      pending = this.fetch(audience, parent).finally(() =>
        this.pending.delete(audience),
      );
      this.pending.set(audience, pending);
    }
    return pending;
  }

  private async fetch(audience: string, parent?: SpanParent): Promise<string> {
    let client = this.clients.get(audience);
    if (client === undefined) {
      client = this.auth().getIdTokenClient(audience);
      this.clients.set(audience, client);
      client.catch(() => this.clients.delete(audience));
    }
    const ready = await client;
    // The token the client holds costs nothing; a fetch from the metadata
    // server is a span of the request that needed it. Named for the
    // audience's host only: never the token.
    const headers =
      parent === undefined || holdsToken(ready)
        ? await ready.getRequestHeaders()
        : await inSpan(
            parent,
            `token ${new URL(audience).host}`,
            {kind: SpanKind.CLIENT},
            () => ready.getRequestHeaders(),
          );
    const value = headers.get('authorization');
    if (value === null)
      throw new Error('google-auth-library returned no Authorization header');
    return value;
  }
}

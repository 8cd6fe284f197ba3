/**
 * Calls to Google's APIs as the function's own service account: its OAuth
 * access token from the metadata server (cached by google-auth-library
 * until shortly before it expires), and the project that answers for the
 * call's quota (`x-goog-user-project`), as Google's APIs ask of a caller.
 */
import {Compute, GoogleAuth} from 'google-auth-library';

/**
 * The headers of each call to a Google API, made fresh for every call.
 * @param auth Defaults to the metadata server's identity, named explicitly
 *   (as id-tokens.ts does) so a developer's own login is never used.
 */
export function googleApiHeaders(
  projectId: string,
  auth: GoogleAuth = new GoogleAuth({authClient: new Compute()}),
): () => Promise<Record<string, string>> {
  return async () => {
    const authorization = (await auth.getRequestHeaders()).get('authorization');
    if (authorization === null)
      throw new Error('google-auth-library returned no Authorization header');
    return {authorization, 'x-goog-user-project': projectId};
  };
}

/** Whether `url` is one of Google's APIs, which takes those credentials. */
export function isGoogleApi(url: string): boolean {
  const {protocol, hostname} = new URL(url);
  return protocol === 'https:' && hostname.endsWith('.googleapis.com');
}

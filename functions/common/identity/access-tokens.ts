/**
 * Calls to Google's APIs as the function's own service account: its OAuth
 * access token from the metadata server (cached by google-auth-library
 * until shortly before it expires). No `x-goog-user-project`: a service
 * account's calls count against its own project already, and naming a
 * quota project asks for serviceusage.services.use, which the account's
 * one role (roles/telemetry.tracesWriter) does not hold.
 */
import type {GoogleAuth} from 'google-auth-library';
import {givenOrOnFirstUse} from '../platform/lazy';
import {metadataAuth} from './google-auth';

/**
 * The headers of each call to a Google API, made fresh for every call.
 * @param auth Defaults to the metadata server's identity (metadataAuth),
 *   made at the first call.
 */
export function googleApiHeaders(
  auth?: GoogleAuth,
): () => Promise<Record<string, string>> {
  const authOf = givenOrOnFirstUse(auth, metadataAuth);
  return async () => {
    const authorization = (await authOf().getRequestHeaders()).get(
      'authorization',
    );
    if (authorization === null)
      throw new Error('google-auth-library returned no Authorization header');
    return {authorization};
  };
}

/** Whether `url` is one of Google's APIs, which takes those credentials. */
export function isGoogleApi(url: string): boolean {
  const {protocol, hostname} = new URL(url);
  return protocol === 'https:' && hostname.endsWith('.googleapis.com');
}

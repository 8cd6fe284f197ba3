/**
 * google-auth-library, loaded on first use. Every function needs it only
 * once a request does (to verify a token, fetch one, or sign an export), so
 * a new instance opens its port and answers its health check without
 * paying for the library's load; the request that first needs it does.
 */
import type * as GoogleAuthLibrary from 'google-auth-library';
import {onFirstUse} from '../platform/lazy';

export const googleAuthLibrary = onFirstUse(
  () => require('google-auth-library') as typeof GoogleAuthLibrary,
);

/**
 * The metadata server's identity (on Google Cloud the real one, locally
 * this project's identity server). Named explicitly, instead of left to
 * Application Default Credentials, so a developer's own gcloud login is
 * never picked up by a function.
 */
export function metadataAuth(): GoogleAuthLibrary.GoogleAuth {
  const {Compute, GoogleAuth} = googleAuthLibrary();
  return new GoogleAuth({authClient: new Compute()});
}

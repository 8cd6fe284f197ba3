/**
 * Benchmark only: the credentials the Firestore client's REST transport
 * insists on, as the emulator takes them (its "owner" token, which the
 * client sends by itself over gRPC). The one setting the client as it ships
 * needs to speak REST to the emulator at all.
 */
import {OAuth2Client} from 'google-auth-library';

export function emulatorOwner(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({
    access_token: 'owner',
    expiry_date: Number.MAX_SAFE_INTEGER,
  });
  return client;
}

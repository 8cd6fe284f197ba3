/**
 * `npm run -s token -- <email>`: signs a seed user in to the running local
 * stack's Identity Platform, as a client app would (the Identity Toolkit
 * REST API, `accounts:signInWithPassword`), and prints their ID token, for
 * `curl -H "Authorization: Bearer $TOKEN"`. The email and password come
 * from `.local/stack.json`, which `npm start` writes.
 */
import {readFileSync} from 'node:fs';
import * as path from 'node:path';
import {ROOT} from './stack';
import type {StackInfo} from './stack-info';

async function main(email: string | undefined): Promise<string> {
  const file = path.join(ROOT, '.local', 'stack.json');
  let info: StackInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  } catch {
    throw new Error(
      `no running stack (${file} not found): run npm start first`,
    );
  }
  const {endUsers} = info;
  const emails = endUsers.accounts.map(a => a.email).join(', ');
  const account = endUsers.accounts.find(a => a.email === email);
  if (account === undefined)
    throw new Error(`usage: npm run -s token -- <email>, one of ${emails}`);
  const res = await fetch(
    `${endUsers.identityToolkit}/v1/accounts:signInWithPassword?key=${endUsers.apiKey}`,
    {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        email: account.email,
        password: account.password,
        returnSecureToken: true,
      }),
    },
  );
  const body = (await res.json()) as {
    idToken?: string;
    error?: {message?: string};
  };
  if (!res.ok || body.idToken === undefined)
    throw new Error(`sign-in failed: ${body.error?.message ?? res.status}`);
  return body.idToken;
}

main(process.argv[2]).then(
  token => process.stdout.write(`${token}\n`),
  (e: unknown) => {
    process.stderr.write(
      `token: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(1);
  },
);

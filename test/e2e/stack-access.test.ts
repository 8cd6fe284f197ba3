/**
 * Who may call the internal functions of the stack. In verify mode each
 * function checks tokens itself: none, another account's, a stripped
 * signature are refused. In cloud mode each is behind its front end: 404
 * from outside the VPC, Cloud Run's IAM check from inside (through the
 * connector, also with `curl -x`), and the functions in platform mode.
 */
import {expect} from 'chai';
import type {Stack} from '../../local/stack';
import {call} from '../fixtures/call';
import {viaConnector} from '../fixtures/connector';
import {runProcess} from '../fixtures/run-process';
import {
  endUserToken,
  logEntries,
  MODES,
  sharedStack,
  stripped,
  tokenOf,
} from '../fixtures/stack';

for (const mode of MODES)
  describe(`the local stack in ${mode} mode, end to end: who may call its functions`, function () {
    this.timeout(60_000);
    const started = sharedStack(mode);
    let stack: Stack;
    let logs: string;
    before(() => ({stack, logs} = started()));

    if (mode === 'verify') {
      it('refuses direct calls to the internal functions without a token', async () => {
        for (const url of [
          `${stack.info.urls.user}/users`,
          `${stack.info.urls.order}/orders`,
        ]) {
          const res = await call(url);
          expect(res.status, url).to.equal(401);
          expect(res.headers.get('www-authenticate')).to.match(/^Bearer/);
        }
      });

      it('lets only the allowed accounts call each internal function', async () => {
        const as = (who: string, audience: string) => ({
          headers: {
            'X-Serverless-Authorization': `Bearer ${tokenOf(stack, who, audience)}`,
            Authorization: `Bearer ${endUserToken(stack)}`,
          },
        });
        const {user, order} = stack.info.urls;
        expect(
          (await call(`${user}/users`, as('gateway', user))).status,
        ).to.equal(200);
        expect(
          (await call(`${user}/users`, as('order', user))).status,
        ).to.equal(403);
        expect(
          (await call(`${order}/orders`, as('user', order))).status,
        ).to.equal(200);
        // A gateway token for the user function is no good at the order function.
        expect(
          (await call(`${order}/orders`, as('gateway', user))).status,
        ).to.equal(401);
      });

      it('refuses a token whose signature was stripped: only the platform may strip it', async () => {
        const {user} = stack.info.urls;
        const res = await call(`${user}/users`, {
          headers: {
            Authorization: `Bearer ${stripped(tokenOf(stack, 'gateway', user))}`,
          },
        });
        expect(res.status).to.equal(401);
        expect(res.body.code).to.equal('token-bad-signature');
      });
    }

    if (mode === 'cloud') {
      it('answers 404 from outside the VPC for user and order, even with a valid gateway token', async () => {
        for (const [name, route] of [
          ['user', '/users'],
          ['order', '/orders'],
        ]) {
          const url = stack.info.urls[name];
          const res = await call(`${url}${route}`, {
            headers: {
              Authorization: `Bearer ${tokenOf(stack, 'gateway', url)}`,
            },
          });
          expect(res.status, name).to.equal(404);
          expect(res.headers.get('content-type'), name).to.match(/^text\/html/);
          expect(res.body, name).to.contain(
            '<title>404 Page not found</title>',
          );
        }
        const refused = logEntries(logs, 'front-end').filter(
          e => e.httpRequest.status === 404,
        );
        expect(refused.map(e => e.service)).to.include.members([
          'user',
          'order',
        ]);
        expect(JSON.stringify(refused)).not.to.match(/eyJ[\w-]+\.eyJ|Bearer /);
      });

      it("checks every call from inside the VPC as Cloud Run's IAM check does", async () => {
        const {
          urls: {user},
          connector,
        } = stack.info;
        const to = `${user}/users`;
        const bearer = (token: string) => ({Authorization: `Bearer ${token}`});
        const gatewayToken = tokenOf(stack, 'gateway', user);
        const cases: [string, Record<string, string>, number, RegExp][] = [
          [
            'no token',
            {},
            403,
            /Your client does not have permission to get URL <code>\/users<\/code> from this server/,
          ],
          [
            'a tampered token',
            bearer(gatewayToken.slice(0, -4) + 'AAAA'),
            401,
            /<title>401 Unauthorized<\/title>/,
          ],
          [
            'a token for another audience',
            bearer(tokenOf(stack, 'gateway', stack.info.urls.order)),
            401,
            /401 Unauthorized/,
          ],
          [
            "order-fn's token: no invoker edge to user",
            bearer(tokenOf(stack, 'order', user)),
            403,
            /403 Forbidden/,
          ],
          [
            "a gateway token alone: through the front end, but no end user's data, and the answer says whose token is missing",
            bearer(gatewayToken),
            401,
            /"code":"end-user-token-required"/,
          ],
          [
            'a gateway token in X-Serverless-Authorization, Authorization for the application',
            {
              'X-Serverless-Authorization': `Bearer ${gatewayToken}`,
              Authorization: 'Basic YXBwOmFwcA==',
            },
            401,
            /"code":"end-user-token-required"/,
          ],
          [
            "a gateway token in X-Serverless-Authorization, an admin's ID token in Authorization",
            {
              'X-Serverless-Authorization': `Bearer ${gatewayToken}`,
              Authorization: `Bearer ${endUserToken(stack)}`,
            },
            200,
            /"service":"user"/,
          ],
        ];
        for (const [name, headers, status, body] of cases) {
          const res = await viaConnector(connector!, to, headers);
          expect(res.status, name).to.equal(status);
          expect(res.text, name).to.match(body);
        }
        const refusedCallers = logEntries(logs, 'front-end')
          .filter(e => e.service === 'user' && e.httpRequest.status === 403)
          .map(e => e.caller);
        expect(refusedCallers).to.include.members([
          'anonymous',
          stack.info.accounts.order,
        ]);
      });

      it('serves `curl -x <connector>` from this machine as a request from inside the VPC', async () => {
        const {
          urls: {user},
          connector,
        } = stack.info;
        const result = await runProcess('curl', [
          '-sS',
          '-x',
          `http://${connector}`,
          `${user}/users/user-001`,
          '-H',
          `X-Serverless-Authorization: Bearer ${tokenOf(stack, 'gateway', user)}`,
          '-H',
          `Authorization: Bearer ${endUserToken(stack)}`,
          '-w',
          '\n%{http_code}',
        ]);
        expect(result.stdout).to.match(/"name":"Alice Johnson"[\s\S]*\n200$/);
      });

      it('runs the functions in platform mode: a stripped signature is accepted, the claims still checked', async () => {
        const {
          listens,
          urls: {user},
        } = stack.info;
        const as = (token: string) => ({
          headers: {
            'X-Serverless-Authorization': `Bearer ${token}`,
            Authorization: `Bearer ${endUserToken(stack)}`,
          },
        });
        expect(
          (
            await call(
              `${listens.user}/users`,
              as(stripped(tokenOf(stack, 'gateway', user))),
            )
          ).status,
        ).to.equal(200);
        expect(
          (
            await call(
              `${listens.user}/users`,
              as(stripped(tokenOf(stack, 'gateway', stack.info.urls.order))),
            )
          ).status,
        ).to.equal(401);
        expect(
          (
            await call(
              `${listens.user}/users`,
              as(stripped(tokenOf(stack, 'order', user))),
            )
          ).status,
        ).to.equal(403);
      });
    }
  });

/**
 * Benchmark only: the fastest three hops can be on this machine. Plain Node
 * http servers in the same three-process shape as gateway, user and order,
 * on the same paths, that only forward (over keep-alive) and answer fixed
 * JSON: no auth, no Firestore, no validation.
 *
 * Usage: node limit-server.js <role: gateway|user|order> <port> [userUrl] [orderUrl]
 */
import * as http from 'node:http';

const [role, portArg, userUrl, orderUrl] = process.argv.slice(2);
const agent = new http.Agent({keepAlive: true});
const FIXED = JSON.stringify({
  id: 'x',
  name: 'fixed',
  items: [{product: 'p', quantity: 1, price: 1}],
});

function forward(url: string, method = 'GET', body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {method, agent, headers: {'Content-Type': 'application/json'}},
      res => {
        let data = '';
        res.on('data', c => (data += c));
        res.on('end', () => resolve(data));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function answer(
  req: http.IncomingMessage,
  body: string,
): Promise<string> {
  const path = req.url ?? '/';
  if (role === 'order') return FIXED;
  if (role === 'user') {
    return path.endsWith('/orders')
      ? `{"user":${FIXED},"orders":${await forward(`${orderUrl}/orders/user/x`)}}`
      : FIXED;
  }
  // gateway
  if (path.startsWith('/api/user-orders-direct/')) {
    const [user, orders] = await Promise.all([
      forward(`${userUrl}/users/x`),
      forward(`${orderUrl}/orders/user/x`),
    ]);
    return `{"user":${user},"orders":${orders}}`;
  }
  if (path.startsWith('/api/user-orders/'))
    return forward(`${userUrl}/users/x/orders`);
  if (path.startsWith('/api/users/')) return forward(`${userUrl}/users/x`);
  if (path.startsWith('/api/orders') && req.method === 'POST') {
    await forward(`${userUrl}/users/x`);
    return forward(`${orderUrl}/orders`, 'POST', body);
  }
  if (path.startsWith('/api/orders'))
    return forward(`${orderUrl}/orders?userId=x`);
  return '{"status":"ok"}';
}

http
  .createServer((req, res) => {
    let body = '';
    req.on('data', c => (body += c));
    req.on('end', () => {
      answer(req, body).then(
        out => {
          res.writeHead(req.method === 'POST' ? 201 : 200, {
            'Content-Type': 'application/json',
          });
          res.end(out);
        },
        () => {
          res.writeHead(502).end();
        },
      );
    });
  })
  .listen(Number(portArg), '127.0.0.1');

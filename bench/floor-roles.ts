/**
 * Benchmark only: the floor's work for each role (gateway, user, order),
 * done the plainest way: the benchmark's routes with the same calls between
 * the roles (over keep-alive) and the same Firestore reads and writes as
 * ours, with the Firestore client as it ships (its default transport, gRPC,
 * unless told REST), and none of this project's modules. Served by a plain
 * Node `http` process (floor-server.ts) and inside the Functions Framework
 * (framework-floor.ts: the first answers' floor, and the framework-floor
 * variant under load).
 */
import {createHash, randomUUID} from 'node:crypto';
import * as http from 'node:http';
import {FieldPath, Firestore} from '@google-cloud/firestore';
import {emulatorOwner} from './emulator-owner';

const ROLES = ['gateway', 'user', 'order'] as const;
export type FloorRole = (typeof ROLES)[number];

/** `value` as a role. @throws when it names none. */
export function roleOf(value: string | undefined): FloorRole {
  const role = ROLES.find(r => r === value);
  if (role === undefined)
    throw new Error(`No floor role ${value} (there are ${ROLES.join(', ')})`);
  return role;
}

export interface FloorSettings {
  projectId: string;
  /** The role's own Firestore database, as the topology gives it ('' for the gateway). */
  database: string;
  /** The Firestore client's transport: gRPC, as it ships, or REST. */
  transport: 'grpc' | 'rest';
  /** As high as the benchmark sets ours (MAX_OPEN_ORDERS). */
  maxOpenOrders: number;
  /** The gateway's callees. */
  userUrl?: string;
  orderUrl?: string;
}

const agent = new http.Agent({keepAlive: true});
const PAGE = 20;

/** The client as it ships: project and database, nothing else but the transport. */
function firestore(s: FloorSettings): Firestore {
  return new Firestore({
    projectId: s.projectId,
    databaseId: s.database,
    ...(s.transport === 'rest' && {
      preferRest: true,
      authClient: emulatorOwner(),
    }),
  });
}

export interface Answer {
  status: number;
  body: unknown;
}

function call(
  url: string,
  method = 'GET',
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {'Content-Type': 'application/json', ...headers},
      },
      res => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', c => (data += c));
        res.on('end', () => {
          // An upstream failure may answer without a body: a failed call,
          // not a crash of this process.
          try {
            resolve({status: res.statusCode ?? 502, body: JSON.parse(data)});
          } catch (e: unknown) {
            reject(e);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export type Route = (
  method: string,
  parts: string[],
  query: URLSearchParams,
  body: unknown,
  idempotencyKey?: string,
) => Promise<Answer>;

const ok = (body: unknown): Answer => ({status: 200, body});
const notFound: Answer = {status: 404, body: {detail: 'not found'}};

function orderRole(s: FloorSettings): Route {
  const db = firestore(s);
  const orders = db.collection('orders');
  const list = async (userId?: string) => {
    const query =
      userId === undefined ? orders : orders.where('userId', '==', userId);
    const snapshot = await query
      .orderBy(FieldPath.documentId())
      .limit(PAGE)
      .get();
    return ok({orders: snapshot.docs.map(d => ({id: d.id, ...d.data()}))});
  };
  return async (method, parts, query, body, key) => {
    if (method === 'GET' && parts[0] === 'orders' && parts[1] === 'user')
      return list(parts[2]);
    if (method === 'GET' && parts[0] === 'orders' && parts.length === 1)
      return list(query.get('userId') || undefined);
    if (method === 'POST' && parts[0] === 'orders') {
      const {userId, items} = body as {
        userId: string;
        items: {product: string; quantity: number; price: number}[];
      };
      const now = new Date().toISOString();
      const record = {
        userId,
        items: items.map(i => ({
          product: i.product,
          quantity: i.quantity,
          priceCents: Math.round(i.price * 100),
        })),
        totalCents: items.reduce(
          (sum, i) => sum + i.quantity * Math.round(i.price * 100),
          0,
        ),
        status: 'pending',
        createdAt: now,
        updatedAt: now,
      };
      // The same work as ours: in one transaction, the key's claim, the
      // user's count of open orders and the order; a used key answers with
      // the order it made.
      const ref = orders.doc();
      const keyRef = db.collection('orderIdempotencyKeys').doc(
        createHash('sha256')
          .update(key ?? randomUUID())
          .digest('hex'),
      );
      const replay = await db.runTransaction(async tx => {
        const claim = await tx.get(keyRef);
        if (claim.exists) return claim.get('first');
        const countRef = db.collection('openOrderCounts').doc(userId);
        const count = await tx.get(countRef);
        const open = count.exists ? Number(count.get('open')) : 0;
        if (open >= s.maxOpenOrders) throw new Error('full');
        tx.create(keyRef, {orderId: ref.id, first: record});
        tx.create(ref, record);
        tx.set(countRef, {open: open + 1});
        return undefined;
      });
      if (replay !== undefined) return {status: 200, body: {order: replay}};
      return {status: 201, body: {order: {id: ref.id, ...record}}};
    }
    return notFound;
  };
}

function userRole({orderUrl, ...s}: FloorSettings): Route {
  const users = firestore(s).collection('users');
  const get = async (id: string) => {
    const doc = await users.doc(id).get();
    return doc.exists ? {id, ...doc.data()} : undefined;
  };
  return async (method, parts) => {
    if (method !== 'GET' || parts[0] !== 'users') return notFound;
    if (parts[2] === 'orders') {
      const [user, list] = await Promise.all([
        get(parts[1]),
        call(`${orderUrl}/orders/user/${encodeURIComponent(parts[1])}`),
      ]);
      return user === undefined ? notFound : ok({user, orders: list.body});
    }
    const user = await get(parts[1]);
    return user === undefined ? notFound : ok({user});
  };
}

function gatewayRole({userUrl, orderUrl}: FloorSettings): Route {
  return async (method, parts, query, body) => {
    const [api, what, id] = parts;
    if (api !== 'api') return notFound;
    if (method === 'GET' && what === 'users' && id)
      return call(`${userUrl}/users/${encodeURIComponent(id)}`);
    if (method === 'GET' && what === 'orders')
      return call(
        `${orderUrl}/orders?${new URLSearchParams({userId: query.get('userId') ?? ''})}`,
      );
    if (method === 'GET' && what === 'user-orders' && id)
      return call(`${userUrl}/users/${encodeURIComponent(id)}/orders`);
    if (method === 'GET' && what === 'user-orders-direct' && id) {
      const [user, orders] = await Promise.all([
        call(`${userUrl}/users/${encodeURIComponent(id)}`),
        call(`${orderUrl}/orders/user/${encodeURIComponent(id)}`),
      ]);
      return ok({user: user.body, orders: orders.body});
    }
    if (method === 'POST' && what === 'orders') {
      const order = body as {userId: string};
      const user = await call(
        `${userUrl}/users/${encodeURIComponent(order.userId)}`,
      );
      if (user.status !== 200)
        return {status: 422, body: {detail: 'no such user'}};
      return call(`${orderUrl}/orders`, 'POST', order, {
        'idempotency-key': randomUUID(),
      });
    }
    return notFound;
  };
}

/** The floor's routes for `role`; a data role opens its Firestore client now. */
export function floorRoute(role: FloorRole, settings: FloorSettings): Route {
  if (role === 'order') return orderRole(settings);
  if (role === 'user') return userRole(settings);
  return gatewayRole(settings);
}

/** A request path's segments, decoded. */
export function pathParts(pathname: string): string[] {
  return pathname.split('/').filter(Boolean).map(decodeURIComponent);
}

/**
 * The order function over HTTP answering bad input, declared or streamed,
 * with a problem document.
 */
import {expect} from 'chai';
import type {Server} from 'node:http';
import {request as httpRequest} from 'node:http';
import type {AddressInfo} from 'node:net';
import request from 'supertest';
import {
  newOrder,
  startOrderFunction,
  type OrderFunction,
} from '../../../fixtures/order-function';

describe('order function (HTTP)', () => {
  let kit: OrderFunction['kit'];
  let server: Server;
  let auth: OrderFunction['auth'];

  before(async () => {
    ({kit, server, auth} = await startOrderFunction());
  });
  after(() => kit.identity.stop());

  const api = () => request(server);

  describe('bad input', () => {
    const cases: {
      name: string;
      send: () => request.Test;
      status: number;
      /** The problem's code, when not invalid-request. */
      code?: string;
      field?: string;
    }[] = [
      {
        name: 'an invalid order',
        send: () =>
          api()
            .post('/orders')
            .send({
              userId: 'u',
              items: [{product: 'x', quantity: -1, price: 1}],
            }),
        status: 400,
        field: 'items[0].quantity',
      },
      {
        name: 'a client-supplied total',
        send: () =>
          api()
            .post('/orders')
            .send({...newOrder, total: 0.01}),
        status: 400,
      },
      {
        name: 'an over-long Idempotency-Key',
        send: () =>
          api()
            .post('/orders')
            .set('Idempotency-Key', 'k'.repeat(300))
            .send(newOrder),
        status: 400,
        field: 'idempotency-key',
      },
      {
        name: 'malformed JSON',
        send: () =>
          api()
            .post('/orders')
            .set('Content-Type', 'application/json')
            .send('{"userId":'),
        status: 400,
        code: 'invalid-json',
      },
      {
        name: 'a form body',
        send: () => api().post('/orders').type('form').send('userId=x'),
        status: 415,
        code: 'unsupported-media-type',
      },
      {
        name: 'an oversized body',
        send: () =>
          api()
            .post('/orders')
            .set('Content-Type', 'application/json')
            .send(JSON.stringify({pad: 'x'.repeat(70_000)})),
        status: 413,
        code: 'body-too-large',
      },
      {
        name: 'an unknown status',
        send: () =>
          api().patch('/orders/order-002/status').send({status: 'lost'}),
        status: 400,
        field: 'status',
      },
      {
        name: 'a status filter that does not exist',
        send: () => api().get('/orders?status=lost'),
        status: 400,
      },
      {
        name: 'a page size over the cap',
        send: () => api().get('/orders?limit=1000'),
        status: 400,
        field: 'limit',
      },
      {
        name: 'a cursor that is not an id',
        send: () => api().get('/orders?cursor=../x'),
        status: 400,
        field: 'cursor',
      },
      {
        name: 'a repeated query parameter',
        send: () => api().get('/orders?userId=a&userId=b'),
        status: 400,
        field: 'userId',
      },
      {
        name: 'an id with a dot-dot',
        send: () => api().get('/orders/..%2Fstats'),
        status: 400,
        field: 'id',
      },
      ...[
        ['an order id Firestore reserves', () => api().get('/orders/__x__')],
        [
          'a status change of an id Firestore reserves',
          () => api().patch('/orders/__x__/status').send({status: 'cancelled'}),
        ],
        [
          'a cursor Firestore reserves',
          () => api().get('/orders?cursor=__x__'),
        ],
        ["a reserved user's orders", () => api().get('/orders/user/__name__')],
        ['a delete of a reserved id', () => api().delete('/orders/__x__')],
      ].map(([name, send]) => ({
        name: name as string,
        send: send as () => request.Test,
        status: 400,
      })),
      {
        name: 'an unknown order',
        send: () => api().get('/orders/does-not-exist'),
        status: 404,
        code: 'order-not-found',
      },
      {
        name: 'an unknown route',
        send: () => api().get('/nope'),
        status: 404,
        code: 'route-not-found',
      },
      {
        name: 'a wrong method',
        send: () => api().put('/orders').send({}),
        status: 405,
        code: 'method-not-allowed',
      },
    ];
    cases.forEach(c =>
      it(`answers ${c.status} with a problem document to ${c.name}`, async () => {
        const res = await c.send().set(auth);
        expect(res.status).to.equal(c.status);
        expect(res.headers['content-type']).to.match(
          /^application\/problem\+json/,
        );
        expect(res.body).to.include({
          status: c.status,
          code: c.code ?? 'invalid-request',
          type: `tag:functions-s2s.example,2026:${c.code ?? 'invalid-request'}`,
        });
        expect(res.body.requestId).to.be.a('string');
        expect(res.text).not.to.match(/<html|at .*\.js:\d+/i);
        if (c.field)
          expect(
            res.body.errors.map((e: {field: string}) => e.field),
          ).to.include(c.field);
      }),
    );

    /** POSTs `chunks` to /orders with no Content-Length (Transfer-Encoding: chunked). */
    const streamed = async (chunks: string[]) => {
      if (!server.listening)
        await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      const {port} = server.address() as AddressInfo;
      return new Promise<{status: number; type: string; body: string}>(
        (resolve, reject) => {
          const req = httpRequest(
            {
              port,
              host: '127.0.0.1',
              method: 'POST',
              path: '/orders',
              headers: {'Content-Type': 'application/json', ...auth},
            },
            r => {
              let body = '';
              r.on('data', d => (body += d));
              r.on('end', () =>
                resolve({
                  status: r.statusCode ?? 0,
                  type: String(r.headers['content-type']),
                  body,
                }),
              );
            },
          );
          // The server may stop reading a body that is too large and close.
          req.on('error', e => (req.writableEnded ? undefined : reject(e)));
          for (const chunk of chunks) req.write(chunk);
          req.end();
        },
      );
    };

    it('accepts a small JSON body streamed without a length', async () => {
      const res = await streamed([
        '{"userId":"user-001",',
        '"items":[{"product":"Streamed","quantity":1,"price":1}]}',
      ]);
      expect(res.status, res.body).to.equal(201);
      expect(JSON.parse(res.body).order.total).to.equal(1);
    });

    it('answers 413 to a streamed body over the limit, as to a declared one', async () => {
      const res = await streamed([
        '{"userId":"user-001","items":[',
        ...Array.from(
          {length: 80},
          () => `${'{"product":"x","quantity":1,"price":1},'.repeat(30)}`,
        ),
        ']}',
      ]);
      server.close();
      expect(res.status).to.equal(413);
      expect(res.type).to.equal('application/problem+json');
      expect(JSON.parse(res.body).code).to.equal('body-too-large');
    });
  });
});

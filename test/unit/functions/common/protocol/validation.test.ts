/** The shared input schemas, and the fields the 400 problem they produce names. */
import {expect} from 'chai';
import {z} from 'zod';
import {ValidationError} from '../../../../../functions/common/protocol/problem';
import {
  idParams,
  idSchema,
  pageOnly,
  parseInput,
} from '../../../../../functions/common/protocol/validation';
import {
  createOrderSchema,
  idempotencyHeader,
} from '../../../../../functions/order/contract';

function errorsOf(schema: z.ZodType, value: unknown, what = 'query') {
  try {
    parseInput(schema, value, what);
  } catch (e: unknown) {
    expect(e).to.be.instanceOf(ValidationError);
    expect((e as ValidationError).code).to.equal('invalid-request');
    // The detail names which input was refused.
    expect((e as ValidationError).detail).to.include(what);
    return (e as ValidationError).errors ?? [];
  }
  throw new Error('expected a ValidationError');
}

describe('validation', () => {
  const ids: [string, boolean][] = [
    ['user-001', true],
    ['A_b-9', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['a/b', false],
    ['a b', false],
    ['/ab', false],
    ['ab/', false],
    ['..', false],
    ['.', false],
    // Firestore reserves __…__ ids: they would be its errors, not ours.
    ['__x__', false],
    ['__name__', false],
    ['____', false],
    ['__x', true],
    ['x__', true],
    ['_x_', true],
    // Reserved only from end to end: __ inside an id is the user's.
    ['a__x__', true],
    ['__x__a', true],
  ];
  ids.forEach(([id, ok]) =>
    it(`${ok ? 'accepts' : 'refuses'} the id "${id.length > 20 ? `${id.length} x` : id}"`, () => {
      expect(idSchema.safeParse(id).success).to.equal(ok);
    }),
  );

  it('names the bad id, and says what is wrong with it', () => {
    const errors = errorsOf(idParams, {id: 'a/b'}, 'path');
    expect(errors.map(e => e.field)).to.deep.equal(['id']);
    expect(errors[0].message).to.be.a('string').with.length.above(0);
  });

  const pages: [Record<string, string>, string][] = [
    [{limit: 'ten'}, 'limit'],
    [{limit: '1.5'}, 'limit'],
    [{limit: '0'}, 'limit'],
    [{limit: '101'}, 'limit'],
    [{cursor: 'a b'}, 'cursor'],
  ];
  pages.forEach(([query, field]) =>
    it(`refuses ?${new URLSearchParams(query)}, naming ${field}`, () => {
      const errors = errorsOf(pageOnly, query);
      expect(errors.map(e => e.field)).to.deep.equal([field]);
      expect(errors[0].message).to.be.a('string').with.length.above(0);
    }),
  );

  it('reads a page with its defaults and bounds', () => {
    expect(parseInput(pageOnly, {}, 'query')).to.deep.equal({limit: 20});
    expect(parseInput(pageOnly, {limit: '1'}, 'query')).to.deep.equal({
      limit: 1,
    });
    expect(
      parseInput(pageOnly, {limit: '100', cursor: 'c-1'}, 'query'),
    ).to.deep.equal({limit: 100, cursor: 'c-1'});
  });

  it('names nested fields by their path, and the input itself when it is the problem', () => {
    const schema = z.object({items: z.array(z.object({price: z.number()}))});
    expect(
      errorsOf(schema, {items: [{price: 1}, {price: 'x'}]}, 'body').map(
        e => e.field,
      ),
    ).to.deep.equal(['items[1].price']);
    expect(errorsOf(schema, 'text', 'body').map(e => e.field)).to.deep.equal([
      'body',
    ]);
  });

  describe('text that is not well-formed Unicode', () => {
    const order = (product: string) => ({
      userId: 'user-001',
      items: [
        {product: 'Cable', quantity: 1, price: 1},
        {product, quantity: 1, price: 1},
      ],
    });
    // What JSON.parse makes of "\ud800" and its like: lone surrogates.
    const illFormed: [string, string][] = [
      ['a lone high surrogate', '\ud800'],
      ['a lone low surrogate', 'x\udc00y'],
      ['a pair in the wrong order', '\udc00\ud800'],
      ['a high surrogate at the end', 'Cable\udbff'],
    ];
    illFormed.forEach(([name, text]) =>
      it(`refuses ${name} in a field the schema would accept, naming it`, () => {
        expect(createOrderSchema.safeParse(order(text)).success).to.equal(true);
        expect(
          errorsOf(createOrderSchema, order(text), 'body').map(e => e.field),
        ).to.deep.equal(['items[1].product']);
      }),
    );

    it('accepts characters outside the BMP, a pair in order', () => {
      expect(
        parseInput(createOrderSchema, order('Cable \u{1F50C}'), 'body').items[1]
          .product,
      ).to.equal('Cable \u{1F50C}');
    });

    it('names the object that holds a key that is not well-formed, once', () => {
      const body = {...order('Cable'), '\ud800': 1, '\udc00': 2};
      const errors = errorsOf(createOrderSchema, body, 'body');
      // The schema's own issue (unknown keys) would repeat the keys: it is left out.
      expect(errors.map(e => e.field)).to.deep.equal(['body']);
      expect(JSON.stringify(errors)).not.to.match(/\\ud[89a-f]/i);
    });

    it("lists the schema's other errors with it", () => {
      const body = {...order('\ud800'), userId: 'a/b'};
      expect(
        errorsOf(createOrderSchema, body, 'body').map(e => e.field),
      ).to.have.members(['items[1].product', 'userId']);
    });

    it('checks every input alike: a header, the input itself', () => {
      expect(
        errorsOf(
          idempotencyHeader,
          {'idempotency-key': '\ud800'},
          'headers',
        ).map(e => e.field),
      ).to.deep.equal(['idempotency-key']);
      expect(
        errorsOf(z.string(), '\ud800', 'body').map(e => e.field),
      ).to.deep.equal(['body']);
    });

    it('walks a deeply nested input without running out of stack, naming at most ten', () => {
      let deep: unknown = '\ud800';
      for (let i = 0; i < 200_000; i++) deep = [deep];
      const [error] = errorsOf(z.unknown(), {deep}, 'body');
      expect(error.field).to.equal(`deep${'[0]'.repeat(200_000)}`);
      const many = Array.from({length: 1000}, () => '\ud800');
      expect(errorsOf(z.unknown(), many, 'body')).to.have.length(10);
    });
  });
});

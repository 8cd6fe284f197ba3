/**
 * What a client is told when the order contract refuses its input: the
 * field, and a message in the contract's own words (never the validation
 * library's defaults, which change with its versions and can show its
 * patterns) that names the bound or the values allowed where there are
 * some; and the bounds themselves, each at its edge.
 */
import {expect} from 'chai';
import {
  createOrderSchema,
  idempotencyHeader,
  MAX_ITEMS,
  MAX_ORDER_TOTAL_CENTS,
  MAX_PRICE,
  MAX_QUANTITY,
  ORDER_STATUSES,
  statusChangeSchema,
  statusFilterSchema,
} from '../../../../functions/order/contract';
import {ValidationError} from '../../../../functions/common/protocol/problem';
import {parseInput} from '../../../../functions/common/protocol/validation';
import type {z} from 'zod';

const item = {product: 'Widget', quantity: 2, price: 29.99};
const order = (over: Partial<typeof item>) => ({
  userId: 'user-001',
  items: [{...item, ...over}],
});

/** The field errors `schema` gives `value`, as a client gets them. */
function refusal(schema: z.ZodType, value: unknown) {
  try {
    parseInput(schema, value, 'body');
  } catch (e: unknown) {
    expect(e).to.be.instanceOf(ValidationError);
    return (e as ValidationError).errors!;
  }
  throw new Error('expected a refusal');
}

/** `word` as a word of a message, not run into the next. */
const wordOf = (word: string) =>
  new RegExp(`(^|[^\\w])${word.replace(/[.]/g, '\\.')}($|[^\\w])`);

/** The validation library's own messages start so. */
const LIBRARY_WORDS = /^(Invalid|Too (small|big))\b/;

describe('order contract: refusals', () => {
  const cases: {
    name: string;
    schema: z.ZodType;
    value: unknown;
    field: string;
    /** What the message must name, where it names a bound or the values allowed. */
    names?: string[];
  }[] = [
    {
      name: 'an empty product',
      schema: createOrderSchema,
      value: order({product: ''}),
      field: 'items[0].product',
    },
    {
      name: 'a blank product',
      schema: createOrderSchema,
      value: order({product: '   '}),
      field: 'items[0].product',
    },
    {
      name: 'a product name over 200 characters',
      schema: createOrderSchema,
      value: order({product: 'p'.repeat(201)}),
      field: 'items[0].product',
    },
    {
      name: 'a quantity given as a string',
      schema: createOrderSchema,
      value: order({quantity: '2' as never}),
      field: 'items[0].quantity',
    },
    {
      name: 'a fractional quantity',
      schema: createOrderSchema,
      value: order({quantity: 1.5}),
      field: 'items[0].quantity',
    },
    {
      name: 'a zero quantity',
      schema: createOrderSchema,
      value: order({quantity: 0}),
      field: 'items[0].quantity',
    },
    {
      name: 'a quantity over the largest',
      schema: createOrderSchema,
      value: order({quantity: MAX_QUANTITY + 1}),
      field: 'items[0].quantity',
      names: [String(MAX_QUANTITY)],
    },
    {
      name: 'a price given as a string',
      schema: createOrderSchema,
      value: order({price: '9.99' as never}),
      field: 'items[0].price',
    },
    {
      name: 'a negative price',
      schema: createOrderSchema,
      value: order({price: -0.01}),
      field: 'items[0].price',
    },
    {
      name: 'a price over the largest',
      schema: createOrderSchema,
      value: order({price: MAX_PRICE + 0.01}),
      field: 'items[0].price',
      names: [String(MAX_PRICE)],
    },
    {
      name: 'a price with three decimals, rounding down',
      schema: createOrderSchema,
      value: order({price: 1.004}),
      field: 'items[0].price',
    },
    {
      name: 'a price with three decimals, rounding up',
      schema: createOrderSchema,
      value: order({price: 1.006}),
      field: 'items[0].price',
    },
    {
      // A millionth of a cent: exactly the tolerance away from whole cents.
      name: 'a price of a millionth of a cent',
      schema: createOrderSchema,
      value: order({price: 1e-8}),
      field: 'items[0].price',
    },
    {
      name: 'items that are not a list',
      schema: createOrderSchema,
      value: {userId: 'user-001', items: 'x'},
      field: 'items',
    },
    {
      name: 'no items',
      schema: createOrderSchema,
      value: {userId: 'user-001', items: []},
      field: 'items',
    },
    {
      name: 'more items than the most',
      schema: createOrderSchema,
      value: {
        userId: 'user-001',
        items: Array.from({length: MAX_ITEMS + 1}, () => ({
          ...item,
          price: 0.01,
          quantity: 1,
        })),
      },
      field: 'items',
      names: [String(MAX_ITEMS)],
    },
    {
      name: 'a total over the largest',
      schema: createOrderSchema,
      value: {
        userId: 'user-001',
        items: [
          {product: 'a', quantity: 1, price: MAX_PRICE},
          {product: 'b', quantity: 1, price: 0.01},
        ],
      },
      field: 'items',
      names: [(MAX_ORDER_TOTAL_CENTS / 100).toFixed(2)],
    },
    {
      name: 'an unknown status in a filter',
      schema: statusFilterSchema,
      value: 'pending,lost',
      field: '[1]',
      names: [...ORDER_STATUSES],
    },
    {
      name: 'an unknown status to move to',
      schema: statusChangeSchema,
      value: {status: 'lost'},
      field: 'status',
      names: [...ORDER_STATUSES],
    },
    {
      name: 'an empty Idempotency-Key',
      schema: idempotencyHeader,
      value: {'idempotency-key': ''},
      field: 'idempotency-key',
    },
  ];
  cases.forEach(c =>
    it(`names the field of ${c.name}, and says what is wrong in the contract's words`, () => {
      const errors = refusal(c.schema, c.value);
      const error = errors.find(e => e.field === c.field);
      expect(error, JSON.stringify(errors)).not.to.equal(undefined);
      expect(error!.message).to.be.a('string').with.length.above(0);
      expect(error!.message).not.to.match(LIBRARY_WORDS);
      for (const word of c.names ?? [])
        expect(error!.message).to.match(wordOf(word));
    }),
  );

  // Each rule its own message: a rule without one would be told another's.
  const kinds: {field: string; values: unknown[]}[] = [
    {
      field: 'items[0].quantity',
      values: ['2', 1.5, 0, MAX_QUANTITY + 1].map(quantity =>
        order({quantity: quantity as number}),
      ),
    },
    {
      field: 'items[0].price',
      values: ['9.99', -0.01, MAX_PRICE + 0.01, 1.004].map(price =>
        order({price: price as number}),
      ),
    },
    {
      field: 'items',
      values: ['x', [], Array(MAX_ITEMS + 1).fill(item)].map(items => ({
        userId: 'user-001',
        items,
      })),
    },
  ];
  kinds.forEach(({field, values}) =>
    it(`tells each kind of wrong ${field} apart`, () => {
      const messages = values.map(
        v =>
          refusal(createOrderSchema, v).find(e => e.field === field)!.message,
      );
      expect(new Set(messages).size, JSON.stringify(messages)).to.equal(
        values.length,
      );
    }),
  );
});

describe('order contract: bounds at their edges', () => {
  it('takes a product name of up to 200 characters, trimmed', () => {
    const parsed = createOrderSchema.parse(order({product: '  Cable  '}));
    expect(parsed.items[0].product).to.equal('Cable');
    expect(
      createOrderSchema.safeParse(order({product: 'p'.repeat(200)})).success,
    ).to.equal(true);
  });

  it('takes the largest quantity and price, and prices whose cents a double cannot hold exactly', () => {
    for (const over of [
      {quantity: MAX_QUANTITY, price: 0.01},
      {quantity: 1, price: MAX_PRICE},
      {price: 0.29},
      {price: 1.1},
      {price: 19.99},
    ])
      expect(
        createOrderSchema.safeParse(order(over)).success,
        JSON.stringify(over),
      ).to.equal(true);
  });

  it('takes as many items as the most, and a total of exactly the largest', () => {
    const items = Array.from({length: MAX_ITEMS}, () => ({
      product: 'p',
      quantity: 1,
      price: 0.01,
    }));
    expect(
      createOrderSchema.safeParse({userId: 'user-001', items}).success,
    ).to.equal(true);
    expect(
      createOrderSchema.safeParse({
        userId: 'user-001',
        items: [{product: 'a', quantity: 1, price: MAX_PRICE}],
      }).success,
    ).to.equal(true);
  });

  it('filters by as many statuses as there are, no more', () => {
    const all = ORDER_STATUSES.join(',');
    expect(statusFilterSchema.parse(all)).to.deep.equal([...ORDER_STATUSES]);
    expect(statusFilterSchema.safeParse(`${all},pending`).success).to.equal(
      false,
    );
  });

  const keys: [string, string, boolean][] = [
    ['one printable character', '!', true],
    ['255 printable characters', '~'.repeat(255), true],
    ['256 characters', 'k'.repeat(256), false],
    ['a leading space', ' key', false],
    ['a trailing space', 'key ', false],
    ['a character outside ASCII', 'clé', false],
    ['a line break', 'key\nx', false],
  ];
  keys.forEach(([name, key, ok]) =>
    it(`${ok ? 'takes' : 'refuses'} an Idempotency-Key of ${name}`, () => {
      expect(
        idempotencyHeader.safeParse({'idempotency-key': key}).success,
      ).to.equal(ok);
    }),
  );
});

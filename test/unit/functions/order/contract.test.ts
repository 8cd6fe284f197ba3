import {expect} from 'chai';
import {
  createOrderSchema,
  statusFilterSchema,
} from '../../../../functions/order/contract';

const item = {product: 'Widget', quantity: 2, price: 29.99};

describe('createOrderSchema', () => {
  const valid: {name: string; body: unknown}[] = [
    {name: 'one item', body: {userId: 'user-001', items: [item]}},
    {
      name: 'a free item',
      body: {userId: 'user-001', items: [{...item, price: 0}]},
    },
    {
      name: 'a price with one decimal',
      body: {userId: 'user-001', items: [{...item, price: 0.1}]},
    },
    {
      name: 'an order of exactly the largest total',
      body: {
        userId: 'user-001',
        items: [
          {product: 'a', quantity: 3, price: 333_333.33},
          {product: 'b', quantity: 1, price: 0.01},
        ],
      },
    },
  ];
  valid.forEach(c =>
    it(`accepts ${c.name}`, () =>
      expect(createOrderSchema.safeParse(c.body).success).to.equal(true)),
  );

  const invalid: {name: string; body: unknown; field: string}[] = [
    {
      name: 'a client-supplied total',
      body: {userId: 'user-001', items: [item], total: 1},
      field: '',
    },
    {name: 'no items', body: {userId: 'user-001', items: []}, field: 'items'},
    {
      name: 'a zero quantity',
      body: {userId: 'user-001', items: [{...item, quantity: 0}]},
      field: 'items.0.quantity',
    },
    {
      name: 'a fractional quantity',
      body: {userId: 'user-001', items: [{...item, quantity: 1.5}]},
      field: 'items.0.quantity',
    },
    {
      name: 'a negative price',
      body: {userId: 'user-001', items: [{...item, price: -1}]},
      field: 'items.0.price',
    },
    {
      name: 'three decimals',
      body: {userId: 'user-001', items: [{...item, price: 1.005}]},
      field: 'items.0.price',
    },
    {
      name: 'a price given as a string',
      body: {userId: 'user-001', items: [{...item, price: '9.99'}]},
      field: 'items.0.price',
    },
    {
      name: 'an empty product',
      body: {userId: 'user-001', items: [{...item, product: '  '}]},
      field: 'items.0.product',
    },
    {
      name: 'a user id with a slash',
      body: {userId: '../x', items: [item]},
      field: 'userId',
    },
    {name: 'a body that is not an object', body: [1], field: ''},
    {
      name: 'an order a cent over the largest total',
      body: {
        userId: 'user-001',
        items: [
          {product: 'a', quantity: 3, price: 333_333.33},
          {product: 'b', quantity: 1, price: 0.02},
        ],
      },
      field: 'items',
    },
    {
      name: 'the largest order each bound on its own allows',
      body: {
        userId: 'user-001',
        items: Array.from({length: 100}, (_, i) => ({
          product: `p${i}`,
          quantity: 10_000,
          price: 1_000_000,
        })),
      },
      field: 'items',
    },
  ];
  invalid.forEach(c =>
    it(`refuses ${c.name}`, () => {
      const result = createOrderSchema.safeParse(c.body);
      expect(result.success).to.equal(false);
      expect(result.error!.issues.map(i => i.path.join('.'))).to.include(
        c.field,
      );
    }),
  );
});

describe('statusFilterSchema', () => {
  it('accepts one status or a list', () => {
    expect(statusFilterSchema.parse('pending')).to.deep.equal(['pending']);
    expect(statusFilterSchema.parse('pending,shipped')).to.deep.equal([
      'pending',
      'shipped',
    ]);
  });
  it('refuses an unknown status', () =>
    expect(statusFilterSchema.safeParse('pending,lost').success).to.equal(
      false,
    ));
});

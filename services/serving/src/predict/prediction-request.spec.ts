import type { InputColumn } from '../model/model-metadata.js';
import { checkRow, parsePredictBody } from './prediction-request.js';
import { ServingError } from './serving.error.js';

const columns: InputColumn[] = [
  { name: 'tenure', type: 'number' },
  { name: 'contract', type: 'string' },
];
const index = new Map(columns.map((c) => [c.name, c]));

function error(f: () => unknown): ServingError {
  try {
    f();
  } catch (e) {
    if (e instanceof ServingError) return e;
    throw e;
  }
  throw new Error('expected a ServingError');
}

describe('parsePredictBody', () => {
  it('reads one row, a customer id and a batch', () => {
    expect(parsePredictBody({ customer: { tenure: 1 } }, 10).inputs).toEqual([{ kind: 'raw', values: { tenure: 1 }, field: 'customer' }]);
    expect(parsePredictBody({ customerId: '7590-VHVEG' }, 10).inputs).toEqual([{ kind: 'customer', customerId: '7590-VHVEG', field: 'customerId' }]);
    const b = parsePredictBody({ rows: [{ tenure: 1 }, { customerId: 'c1' }, { customer: { tenure: 2 } }] }, 10);
    expect(b.batch).toBe(true);
    expect(b.inputs.map((i) => i.kind)).toEqual(['raw', 'customer', 'raw']);
    expect(b.inputs[2]).toEqual({ kind: 'raw', values: { tenure: 2 }, field: 'rows[2]' });
  });

  it('reads explain from the query, a flag, a count or topK', () => {
    expect(parsePredictBody({ customerId: 'a' }, 1).explainK).toBe(0);
    expect(parsePredictBody({ customerId: 'a' }, 1, '3').explainK).toBe(3);
    expect(parsePredictBody({ customerId: 'a', explain: true }, 1).explainK).toBe(5);
    expect(parsePredictBody({ customerId: 'a', explain: true, topK: 2 }, 1).explainK).toBe(2);
    expect(parsePredictBody({ customerId: 'a', explain: 7 }, 1).explainK).toBe(7);
    expect(error(() => parsePredictBody({ customerId: 'a' }, 1, 'x')).message).toBe("explain: ?explain= takes a number of contributions from 0 to 1000, got 'x'");
  });

  it('rejects batches over the limit, empty batches and bodies of the wrong shape, naming the field', () => {
    const e = error(() => parsePredictBody({ rows: [{}, {}, {}] }, 2));
    expect(e.httpStatus).toBe(400);
    expect(e.message).toBe('rows: 3 rows, at most 2 per request (serving.max_batch_size)');
    expect(error(() => parsePredictBody({ rows: [] }, 2)).message).toBe('rows: expected at least one row');
    expect(error(() => parsePredictBody({ rows: [{}, 5] }, 2)).message).toBe('rows[1]: expected an object of raw columns, { customer: {...} } or { customerId }, got number 5');
    expect(error(() => parsePredictBody([], 2)).message).toBe('body: expected a JSON object, got an array');
    expect(error(() => parsePredictBody({}, 2)).message).toBe('body: give one of customer, customerId or rows');
    expect(error(() => parsePredictBody({ customerId: 'a', customer: {} }, 2)).message).toBe('body: give only one of customer, customerId');
    expect(error(() => parsePredictBody({ customerId: 'a', extra: 1 }, 2)).field).toBe('extra');
    expect(error(() => parsePredictBody({ customerId: 'a b' }, 2)).message).toMatch(/^customerId: expected a customer id/);
    expect(error(() => parsePredictBody({ customerId: 'a', requestId: 'nope' }, 2)).message).toBe('requestId: expected a UUID, got the string "nope"');
  });
});

describe('checkRow', () => {
  it('copies exactly the model columns, null for missing values', () => {
    expect(checkRow({ contract: null, tenure: 3 }, columns, index, 'customer')).toEqual({ tenure: 3, contract: null });
  });

  it('names unknown and missing columns with the row index', () => {
    expect(error(() => checkRow({ tenure: 1, contract: 'x', color: 'red' }, columns, index, 'rows[4]')).message).toBe('rows[4].color: unknown column; the model reads tenure, contract');
    const m = error(() => checkRow({ tenure: 1 }, columns, index, 'rows[2]'));
    expect(m.message).toBe('rows[2].contract: missing column; send null for a missing value');
    expect(m.field).toBe('rows[2].contract');
  });

  it('rejects NaN/Infinity strings and wrong types, naming the field', () => {
    expect(error(() => checkRow({ tenure: 'NaN', contract: 'x' }, columns, index, 'customer')).message).toBe(
      'customer.tenure: expected a finite number or null, got the string "NaN" (NaN and Infinity are not accepted; send null for a missing value)',
    );
    expect(error(() => checkRow({ tenure: '-Infinity', contract: 'x' }, columns, index, 'customer')).field).toBe('customer.tenure');
    expect(error(() => checkRow({ tenure: Infinity, contract: 'x' }, columns, index, 'customer')).message).toBe('customer.tenure: expected a finite number, got Infinity');
    expect(error(() => checkRow({ tenure: '12', contract: 'x' }, columns, index, 'customer')).message).toBe('customer.tenure: expected a finite number or null, got the string "12"');
    expect(error(() => checkRow({ tenure: 1, contract: 2 }, columns, index, 'rows[0]')).message).toBe('rows[0].contract: expected a string or null, got number 2');
    expect(error(() => checkRow({ tenure: true, contract: 'x' }, columns, index, 'customer')).message).toBe('customer.tenure: expected a finite number or null, got boolean true');
  });
});

import { matrixFromRows, type Matrix } from '../core/matrix.js';
import { LogisticRegression } from './logistic-regression.js';
import { loadTelco, readJson, standardize } from './__fixtures__/telco.js';

interface LrCase {
  name: string;
  C: number;
  coef: number[];
  intercept: number;
  testProba: number[];
  x?: number[][];
  y?: number[];
}
const ref = readJson<{ telcoStandardization: { mean: number[]; std: number[] }; cases: LrCase[] }>('lr_reference.json');

function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  const scale = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), 0.01 * scale));
  }
  expect(worst).toBeLessThan(rel);
}

describe('LogisticRegression vs sklearn lbfgs (compat/linear/make_fixtures.py)', () => {
  const telco = loadTelco();
  const { mean, std } = ref.telcoStandardization;
  const xTrain = standardize(telco.train.x, mean, std);
  const xTest = standardize(telco.test.x, mean, std);

  for (const c of ref.cases.filter((k) => k.name.startsWith('telco'))) {
    it(`${c.name}: coefficients, intercept and test probabilities within 1e-4`, () => {
      const lr = new LogisticRegression({ C: c.C }).fit(xTrain, telco.train.y);
      expect(lr.coef.length).toBe(c.coef.length);
      expect(lr.coef.length).toBe(45);
      expectClose(lr.coef, c.coef, 1e-4);
      expect(Math.abs(lr.intercept - c.intercept)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.intercept)));
      const p = lr.predictProba(xTest);
      let worst = 0;
      p.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.testProba[i]!))));
      expect(worst).toBeLessThan(1e-4);
      expect(lr.nIter).toBeLessThan(30);
    });
  }

  it('synthetic unstandardized features (scales 0.5 to 10, offsets to 50)', () => {
    const c = ref.cases.find((k) => k.name.startsWith('synthetic'))!;
    const x = matrixFromRows(c.x!.slice(0, 600));
    const y = Uint8Array.from(c.y!.slice(0, 600));
    const lr = new LogisticRegression({ C: c.C }).fit(x, y);
    expectClose(lr.coef, c.coef, 1e-4);
    expect(Math.abs(lr.intercept - c.intercept)).toBeLessThan(1e-4 * Math.max(1, Math.abs(c.intercept)));
    const p = lr.predictProba(matrixFromRows(c.x!.slice(600)));
    p.forEach((v, i) => expect(Math.abs(v - c.testProba[i]!)).toBeLessThan(1e-4));
  });
});

describe('LogisticRegression contract', () => {
  const x: Matrix = matrixFromRows([[0, 1], [1, 0], [2, 1], [3, 0], [4, 1], [5, 0]], ['a', 'b']);
  const y = Uint8Array.from([0, 0, 1, 0, 1, 1]);

  it('fit returns this; getParams returns the defaults; toJSON/fromJSON round-trips predictions', () => {
    const lr = new LogisticRegression();
    expect(lr.fit(x, y)).toBe(lr);
    expect(lr.getParams()).toEqual({ C: 1, fitIntercept: true, tol: 1e-8, maxIter: 100 });
    const back = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(lr.toJSON())));
    expect(Array.from(back.predictProba(x))).toEqual(Array.from(lr.predictProba(x)));
    expect(back.coef).toEqual(lr.coef);
  });

  it('the gradient of the objective vanishes at the solution (optimality check without sklearn)', () => {
    const lr = new LogisticRegression({ C: 2 }).fit(x, y);
    const p = lr.predictProba(x);
    const w = lr.coef;
    for (let j = 0; j < 2; j++) {
      let g = 0;
      for (let i = 0; i < 6; i++) g += x.data[j * 6 + i]! * (p[i]! - y[i]!);
      expect(Math.abs(2 * g + w[j]!)).toBeLessThan(1e-9);
    }
    let gb = 0;
    for (let i = 0; i < 6; i++) gb += p[i]! - y[i]!;
    expect(Math.abs(gb)).toBeLessThan(1e-9);
  });

  it('fitIntercept false gives intercept 0', () => {
    expect(new LogisticRegression({ fitIntercept: false }).fit(x, y).intercept).toBe(0);
  });

  it('rejects NaN naming the column, bad params, single class and unfitted use', () => {
    const bad = matrixFromRows([[0, 1], [1, Number.NaN]], ['tenure', 'total_charges']);
    expect(() => new LogisticRegression().fit(bad, Uint8Array.from([0, 1]))).toThrow(
      'x column "total_charges" has a missing value (NaN) at row 1; LogisticRegression needs imputed input (add an imputer to the preprocessing)',
    );
    const lr = new LogisticRegression().fit(x, y);
    expect(() => lr.predictProba(bad)).toThrow('column "total_charges" has a missing value');
    expect(() => new LogisticRegression({ C: 0 })).toThrow('C must be a positive finite number');
    expect(() => new LogisticRegression().fit(x, new Uint8Array(6))).toThrow('y has a single class');
    expect(() => new LogisticRegression().predictProba(x)).toThrow('LogisticRegression is not fitted: call fit(x, y) first');
    expect(() => lr.predictProba(matrixFromRows([[1, 2, 3]]))).toThrow('x has 3 columns, the model was fitted on 2');
  });
});

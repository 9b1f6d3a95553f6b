import { encodeOnnxModel } from './onnx-model.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import { addClassifierOutputs } from './tree-ensemble-export.js';

/** A fitted binary logistic regression: p = sigmoid(intercept + sum_j coef[j] * x[j]). */
export interface LogisticModelDescription {
  readonly coef: ArrayLike<number>;
  readonly intercept: number;
}

/**
 * Appends a logistic regression to graph `g`: `features` double [N, F] -> p double [N, 1] via
 * MatMul with coef [F, 1], Add intercept, Sigmoid (all in float64). NaN features give NaN.
 * `featureColumn[j]`, when given, is the column of `features` that holds coefficient j's feature.
 *
 * @throws RangeError when coef is empty or holds a non-finite value.
 */
export function addLogisticNodes(g: OnnxGraphBuilder, model: LogisticModelDescription, features: string, featureColumn?: readonly number[]): string {
  const f = model.coef.length;
  if (f === 0) throw new RangeError('model.coef is empty: a logistic regression needs at least one coefficient');
  for (let j = 0; j < f; j++) {
    if (!Number.isFinite(model.coef[j]!)) throw new RangeError(`model.coef[${j}] is ${model.coef[j]}; coefficients must be finite`);
  }
  if (!Number.isFinite(model.intercept)) throw new RangeError(`model.intercept is ${model.intercept}; it must be finite`);
  const coef = new Array<number>(f);
  for (let j = 0; j < f; j++) coef[featureColumn?.[j] ?? j] = model.coef[j]!;
  const w = g.constant('coef', 'double', [f, 1], coef);
  const dot = g.op1('MatMul', [features, w], {}, { name: 'dot' });
  const z = g.op1('Add', [dot, g.scalar('double', model.intercept)], {}, { name: 'logit' });
  return g.op1('Sigmoid', [z], {}, { name: 'p1' });
}

/**
 * Exports a logistic regression as an ONNX model: input `features` [N, F] (float by default, or
 * double) -> `probabilities` float [N, 2] and `label` int64 [N] (ArgMax), computed in float64.
 */
export function exportLogisticRegressionToOnnx(
  model: LogisticModelDescription,
  options: { inputName?: string; inputType?: 'float' | 'double' } = {},
): Uint8Array {
  const inputType = options.inputType ?? 'float';
  const g = new OnnxGraphBuilder('logistic_regression');
  let x = g.input(options.inputName ?? 'features', inputType, ['N', model.coef.length]);
  if (inputType === 'float') x = g.op1('Cast', [x], { to: 11 }, { name: 'to_double' });
  addClassifierOutputs(g, addLogisticNodes(g, model, x));
  return encodeOnnxModel(g.toModel({ docString: 'Logistic regression exported by @mlops/ml' }));
}

/** The metrics error: messages name the argument and say what to fix (like scikit-learn's ValueErrors). */
export class MetricError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricError';
  }
}

/** Checks binary labels (0/1) and a same-length vector; NaN in `values` is an error like sklearn's "Input contains NaN". */
export function checkBinaryInputs(yTrue: ArrayLike<number>, values: ArrayLike<number>, valuesName: string): void {
  if (yTrue.length !== values.length) {
    throw new MetricError(`yTrue and ${valuesName} must have the same length, got ${yTrue.length} and ${values.length}`);
  }
  if (yTrue.length === 0) throw new MetricError(`yTrue is empty: metrics need at least one sample`);
  for (let i = 0; i < yTrue.length; i++) {
    const y = yTrue[i]!;
    if (y !== 0 && y !== 1) throw new MetricError(`yTrue must hold 0/1 labels, got ${y} at index ${i}`);
    if (Number.isNaN(values[i]!)) throw new MetricError(`${valuesName} contains NaN at index ${i}`);
  }
}

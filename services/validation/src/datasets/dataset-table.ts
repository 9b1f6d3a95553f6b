import type { DqTable, DqValue } from '@mlops/data-quality';
import type { Dataset } from '@mlops/ml';

/**
 * Column-oriented table for libs/data-quality: numeric columns stay Float64Array (NaN = missing),
 * categorical columns become strings (null = missing).
 */
export function datasetToDqTable(dataset: Dataset): DqTable {
  const table: Record<string, Float64Array | DqValue[]> = {};
  for (const column of dataset.columns) {
    if (column.type === 'numeric') {
      table[column.name] = column.values;
    } else {
      const { codes, categories } = column;
      const values = new Array<DqValue>(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i] as number;
        values[i] = code < 0 ? null : categories[code];
      }
      table[column.name] = values;
    }
  }
  return table;
}

import { columnMaxAge, columnMaxBetween, columnMeanBetween, columnMedianBetween, columnMinBetween, columnStdevBetween, valuesOfType } from './column-aggregate.js';
import { notNull, valuesBetween, valuesInSet, valuesMatchRegex, valuesNotInSet, valuesNotMatchRegex, valuesUnique } from './column-map.js';
import { compoundColumnsUnique, pairAGreaterThanB } from './multi-column.js';
import { columnExists, columnsMatchSet, rowCountBetween, rowCountEqual } from './table-level.js';
import type { ExpectationDefinition } from './types.js';

const ALL: readonly ExpectationDefinition[] = [
  notNull,
  valuesBetween,
  valuesInSet,
  valuesNotInSet,
  valuesUnique,
  valuesMatchRegex,
  valuesNotMatchRegex,
  valuesOfType,
  columnMinBetween,
  columnMaxBetween,
  columnMeanBetween,
  columnMedianBetween,
  columnStdevBetween,
  columnMaxAge,
  pairAGreaterThanB,
  compoundColumnsUnique,
  rowCountBetween,
  rowCountEqual,
  columnsMatchSet,
  columnExists,
];

/** Supported expectations by Great Expectations name. */
export const EXPECTATIONS: ReadonlyMap<string, ExpectationDefinition> = new Map(ALL.map((d) => [d.type, d]));

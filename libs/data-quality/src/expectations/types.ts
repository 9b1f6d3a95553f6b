import type { DqTable, JsonCell } from '../table.js';

/** Observed value of an aggregate expectation. */
export type ObservedValue = number | string | boolean | null | (number | string)[];

/** Great Expectations' result fields (SUMMARY format), snake_case as GE reports them. */
export interface ExpectationResultDetails {
  element_count?: number;
  unexpected_count?: number;
  unexpected_percent?: number | null;
  missing_count?: number;
  missing_percent?: number | null;
  unexpected_percent_total?: number | null;
  unexpected_percent_nonmissing?: number | null;
  partial_unexpected_list?: (JsonCell | JsonCell[] | Record<string, JsonCell>)[];
  observed_value?: ObservedValue;
  details?: Record<string, unknown>;
}

/** What an expectation implementation receives. */
export interface EvaluationContext {
  /** The table (already filtered by row_condition). */
  table: DqTable;
  rows: number;
  /** Reference time for freshness, epoch milliseconds. */
  now: number;
  /** Length of partial_unexpected_list (GE: 20). */
  partialUnexpectedCount: number;
}

export interface Evaluation {
  success: boolean;
  result: ExpectationResultDetails;
}

/** An expectation implementation: validates its kwargs at parse time, evaluates at run time. */
export interface ExpectationDefinition {
  /** Great Expectations' name, e.g. `expect_column_values_to_be_between`. */
  type: string;
  /** Checks kwargs; throws an Error naming the bad kwarg. */
  check(kwargs: Readonly<Record<string, unknown>>): void;
  evaluate(kwargs: Readonly<Record<string, unknown>>, ctx: EvaluationContext): Evaluation;
}

/** Thrown when an expectation cannot be evaluated on this table (e.g. a missing column). */
export class ExpectationEvaluationError extends Error {
  override name = 'ExpectationEvaluationError';
}

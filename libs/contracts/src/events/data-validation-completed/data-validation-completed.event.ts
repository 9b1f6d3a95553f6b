import { z } from 'zod';
import {
  columnNameSchema,
  countSchema,
  isoDateTimeSchema,
  slugSchema,
  uuidSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** An aggregate's observed value as Great Expectations reports it (a number, a string, a list). */
export const observedValueSchema = z.union([
  z.number(),
  z.string().max(1024),
  z.boolean(),
  z.null(),
  z.array(z.union([z.number(), z.string().max(256)])).max(1000),
]);

/** One expectation that failed, with Great Expectations' result fields. */
export const failingExpectationSchema = z.strictObject({
  /** Great Expectations' name, e.g. `expect_column_values_to_be_between`. */
  expectationType: z
    .string()
    .regex(
      /^expect_[a-z0-9_]{1,120}$/,
      'expected an expectation type such as expect_column_values_to_not_be_null',
    ),
  /** The column of a column expectation. */
  column: columnNameSchema.optional(),
  /** The columns of a column-pair or compound expectation. */
  columns: z.array(columnNameSchema).min(1).max(100).optional(),
  unexpectedCount: countSchema,
  /** Unexpected share of the non-null values, in percent (0..100), as Great Expectations reports it. */
  unexpectedPercent: z.number().min(0).max(100),
  observedValue: observedValueSchema.optional(),
});
export type FailingExpectation = z.infer<typeof failingExpectationSchema>;

export const dataValidationCompletedSchema = z
  .strictObject({
    datasetId: uuidSchema,
    suiteName: slugSchema,
    /** True when every expectation succeeded; a failed dataset cannot be trained on. */
    passed: z.boolean(),
    statistics: z.strictObject({
      evaluated: countSchema,
      successful: countSchema,
      unsuccessful: countSchema,
    }),
    /** Every failed expectation (as many as `statistics.unsuccessful`). */
    failingExpectations: z.array(failingExpectationSchema).max(1000),
    validatedAt: isoDateTimeSchema,
  })
  .superRefine((p, ctx) => {
    const { evaluated, successful, unsuccessful } = p.statistics;
    if (successful + unsuccessful !== evaluated) {
      ctx.addIssue({
        code: 'custom',
        path: ['statistics', 'evaluated'],
        message: `evaluated (${evaluated}) must equal successful + unsuccessful (${successful + unsuccessful})`,
      });
    }
    if (p.passed !== (unsuccessful === 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['passed'],
        message: `passed must be ${unsuccessful === 0} when ${unsuccessful} expectation(s) failed`,
      });
    }
    if (p.failingExpectations.length !== unsuccessful) {
      ctx.addIssue({
        code: 'custom',
        path: ['failingExpectations'],
        message: `expected ${unsuccessful} failing expectation(s) (statistics.unsuccessful), got ${p.failingExpectations.length}`,
      });
    }
  });
export type DataValidationCompletedPayload = z.infer<typeof dataValidationCompletedSchema>;

/**
 * `mlops.data.validation-completed.v1`: the expectation suite ran on a dataset version.
 *
 * Produced by validation. Consumed by training (refuses a dataset that did not pass), the
 * pipeline service (gates the next task) and drift (checks a dataset that passed). Keyed by `datasetId`.
 */
export const dataValidationCompletedTopic = defineTopic({
  name: 'mlops.data.validation-completed.v1',
  description: 'The expectation suite ran on a dataset: passed or not, statistics, failing expectations.',
  schema: dataValidationCompletedSchema,
  key: (p) => p.datasetId,
  keyField: 'datasetId',
  producers: ['validation'],
  consumers: ['training', 'pipeline', 'drift'],
});

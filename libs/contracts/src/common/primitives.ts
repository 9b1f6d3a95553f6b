import { z } from 'zod';
import { serviceNames } from './services.js';

/**
 * Building blocks shared by the payload schemas. Every string is bounded, every count is a
 * non-negative safe integer, every number is finite (zod 4 rejects NaN and +-Infinity for
 * `z.number()`), and every timestamp is an ISO 8601 date-time with `Z` or an offset.
 */

/** RFC 9562 UUID (any version), e.g. from `crypto.randomUUID()`. */
export const uuidSchema = z.uuid();

/** ISO 8601 date-time with `Z` or a numeric offset, e.g. `2026-03-01T12:00:00.000Z`. */
export const isoDateTimeSchema = z.iso.datetime({ offset: true });

/** Lowercase hex SHA-256 digest: 64 characters `0-9a-f`. */
export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a lowercase SHA-256 hex digest (64 characters 0-9a-f)');

/** Non-negative safe integer (counts, offsets, lags). */
export const countSchema = z.int().nonnegative();

/** Positive safe integer (versions, try numbers, totals that cannot be zero). */
export const positiveIntSchema = z.int().positive();

/** A probability or a share, in [0, 1]. */
export const unitIntervalSchema = z.number().min(0).max(1);

/** Non-negative finite number (durations, losses, latencies). */
export const nonNegativeNumberSchema = z.number().nonnegative();

/** A bounded human-readable text (messages, reasons). */
export const textSchema = (max: number) => z.string().trim().min(1).max(max);

/** Who did something: a user name, an e-mail, a service or a tool name. */
export const actorSchema = textSchema(128);

/** A service of the platform (see {@link serviceNames}). */
export const serviceNameSchema = z.enum(serviceNames);

/** A lowercase identifier: `churn`, `customer_features`, `telco-2026`. */
export const slugSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_.-]{0,127}$/,
    'expected a lowercase identifier: a-z first, then a-z 0-9 _ . - (at most 128)',
  );

/** A registered model's name, as MLflow allows it in practice: `churn-predictor`. */
export const modelNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'expected a model name: letters, digits, _ . - (at most 128)');

/** Version of a registered model: 1, 2, 3 ... */
export const modelVersionSchema = positiveIntSchema;

/** A tracking run id: MLflow's 32 hex characters, or a UUID. */
export const runIdSchema = z
  .string()
  .regex(
    /^[0-9a-f]{32}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'expected a run id: 32 lowercase hex characters or a UUID',
  );

/** A customer id of the Telco data (`7590-VHVEG`): letters, digits, `_` and `-`, at most 64. */
export const customerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'expected a customer id: letters, digits, _ and - (at most 64)');

/** A column or feature name, as it appears in the data: at most 128 printable characters. */
export const columnNameSchema = z
  .string()
  .regex(
    /^[^\s\u0000-\u001f][^\u0000-\u001f]{0,127}$/,
    'expected a column name: 1 to 128 printable characters, not starting with a space',
  );

/** A Kafka topic name (Kafka's own rule: at most 249 of `a-zA-Z0-9._-`). */
export const kafkaTopicSchema = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name (a-zA-Z0-9 . _ -, at most 249)');

/** Logical type of a stored column. */
export const columnTypeSchema = z.enum(['integer', 'float', 'string', 'boolean', 'datetime']);
export type ColumnType = z.infer<typeof columnTypeSchema>;

/** A column of a dataset or of a model's input: name and logical type. */
export const columnSpecSchema = z.strictObject({ name: columnNameSchema, type: columnTypeSchema });
export type ColumnSpec = z.infer<typeof columnSpecSchema>;

/** A non-empty list of columns with unique names (at most 1000). */
export const columnListSchema = z
  .array(columnSpecSchema)
  .min(1)
  .max(1000)
  .superRefine((columns, ctx) => {
    const seen = new Set<string>();
    columns.forEach((column, index) => {
      if (seen.has(column.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate column name "${column.name}"`,
        });
      }
      seen.add(column.name);
    });
  });

/** A list of distinct strings. */
export const uniqueStrings = <S extends z.ZodType<string>>(item: S, min: number, max: number) =>
  z
    .array(item)
    .min(min)
    .max(max)
    .superRefine((values, ctx) => {
      const seen = new Set<string>();
      values.forEach((value, index) => {
        if (seen.has(value))
          ctx.addIssue({ code: 'custom', path: [index], message: `duplicate value "${value}"` });
        seen.add(value);
      });
    });

/** A raw cell value: a string (at most 1024), a finite number, or null for a missing value. */
export const cellValueSchema = z.union([z.string().max(1024), z.number(), z.null()]);
export type CellValue = z.infer<typeof cellValueSchema>;

/** One row keyed by column name (1 to 500 columns). */
export const rowValuesSchema = z
  .record(columnNameSchema, cellValueSchema)
  .refine((row) => Object.keys(row).length >= 1, 'expected at least one column')
  .refine((row) => Object.keys(row).length <= 500, 'expected at most 500 columns');
export type RowValues = z.infer<typeof rowValuesSchema>;

/** Metric name, snake_case as in the config thresholds: `accuracy`, `roc_auc`, `f1_score`. */
export const metricNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'expected a snake_case metric name (at most 64)');

/** Named finite metrics (at most 100): `{ roc_auc: 0.84, accuracy: 0.80 }`. */
export const metricsSchema = z
  .record(metricNameSchema, z.number())
  .refine((metrics) => Object.keys(metrics).length <= 100, 'expected at most 100 metrics');
export type Metrics = z.infer<typeof metricsSchema>;

/** Learner families the training service knows (config `training.models`). */
export const algorithmSchema = z.enum(['xgboost', 'lightgbm', 'random_forest', 'logistic_regression']);
export type Algorithm = z.infer<typeof algorithmSchema>;

/** Model registry stages, spelled as MLflow spells them. */
export const modelStageSchema = z.enum(['None', 'Staging', 'Production', 'Archived']);
export type ModelStage = z.infer<typeof modelStageSchema>;

/** A registry alias: `champion`, `challenger`. */
export const modelAliasSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected an alias: lowercase, a-z first, then a-z 0-9 _ - (at most 64)');

/** Serving variants: the answer returned (champion or challenger) or only logged (shadow). */
export const variantSchema = z.enum(['champion', 'challenger', 'shadow']);
export type Variant = z.infer<typeof variantSchema>;

/** A time window `[start, end)`; `end` must not be before `start`. */
export const timeWindowSchema = z
  .strictObject({ start: isoDateTimeSchema, end: isoDateTimeSchema })
  .refine((w) => Date.parse(w.end) >= Date.parse(w.start), {
    path: ['end'],
    message: 'window end must not be before its start',
  });
export type TimeWindow = z.infer<typeof timeWindowSchema>;

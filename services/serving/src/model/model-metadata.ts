import { z } from 'zod';

/** One raw input column of a served model (as the registry's `inputSchema` and training's `inputSchema` list them). */
export interface InputColumn {
  readonly name: string;
  /** `float`/`double`/`number`/`integer`: a finite number or null; `string`: text or null. */
  readonly type: 'number' | 'string';
}

/** What serving needs to know about a model version besides its ONNX bytes. */
export interface ModelMetadata {
  readonly name: string;
  readonly version: number;
  /** Decision threshold chosen at training (label = probability >= threshold). */
  readonly threshold: number;
  readonly inputSchema: readonly InputColumn[];
}

const NUMERIC = new Set(['float', 'double', 'number', 'numeric', 'integer', 'int']);

const rawSchema = z.object({
  name: z.string().min(1),
  version: z.number().int().positive(),
  threshold: z.number().min(0).max(1).nullable().optional(),
  inputSchema: z.array(z.object({ name: z.string().min(1), type: z.string().min(1) })).min(1),
});

/**
 * Reads model metadata from JSON (a metadata file, or the registry's model version answer:
 * `{ name, version, threshold, inputSchema: [{ name, type }] }`). A missing threshold is 0.5.
 * @throws Error naming `where` and the bad field.
 */
export function parseModelMetadata(value: unknown, where: string): ModelMetadata {
  const r = rawSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${where}: model metadata field '${issue.path.join('.')}' ${issue.message}; expected { name, version, threshold, inputSchema: [{ name, type }] }`);
  }
  const m = r.data;
  return Object.freeze({
    name: m.name,
    version: m.version,
    threshold: m.threshold ?? 0.5,
    inputSchema: Object.freeze(
      m.inputSchema.map((c): InputColumn => {
        const t = c.type.toLowerCase();
        if (!NUMERIC.has(t) && t !== 'string' && t !== 'categorical')
          throw new Error(`${where}: inputSchema column '${c.name}' has type '${c.type}'; expected float or string`);
        return Object.freeze({ name: c.name, type: NUMERIC.has(t) ? 'number' : 'string' });
      }),
    ),
  });
}

import type {
  OnnxAttributeValue,
  OnnxDim,
  OnnxElemType,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-model.js';

/** The ONNX ML operator domain (TreeEnsemble, LabelEncoder, OneHotEncoder, ...). */
export const ONNX_ML_DOMAIN = 'ai.onnx.ml';

/**
 * Opsets we target and that onnxruntime 1.30 runs: the default domain at opset 21 and ai.onnx.ml
 * at opset 5 (TreeEnsemble v5, LabelEncoder v4), which together need IR version 10 (ONNX 1.16).
 */
export const ONNX_DEFAULT_OPSET = 21;
export const ONNX_ML_OPSET = 5;
export const ONNX_IR_VERSION = 10;

export type AttrInput = number | string | OnnxAttributeValue;

/**
 * Builds an ONNX graph node by node with unique value names. Each `op` call appends one node in
 * topological order (inputs must already exist) and returns the names of its outputs.
 *
 * @example
 * const g = new OnnxGraphBuilder('demo');
 * const x = g.input('x', 'double', ['N', 1]);
 * const y = g.op1('Mul', [x, g.constant('two', 'double', [], [2])]);
 * g.output(y, 'double', ['N', 1], 'y');
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly names = new Set<string>();
  private readonly scalarCache = new Map<string, string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name starting with `prefix` (sanitised to [A-Za-z0-9_]). */
  fresh(prefix: string): string {
    const base = prefix.replace(/[^A-Za-z0-9_]/g, '_') || 'v';
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Declares a graph input under exactly `name` (an error if the name is taken). */
  input(name: string, type: OnnxElemType, shape: readonly OnnxDim[]): string {
    if (this.names.has(name)) throw new Error(`graph input name '${name}' is already used; input names must be unique`);
    this.names.add(name);
    this.inputs.push({ name, type, shape });
    return name;
  }

  /** Declares `value` as a graph output; renames it to `as` with an Identity node when given. */
  output(value: string, type: OnnxElemType, shape: readonly OnnxDim[], as?: string): string {
    let name = value;
    if (as !== undefined && as !== value) {
      if (this.names.has(as)) throw new Error(`graph output name '${as}' is already used`);
      this.names.add(as);
      this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [as], name: `out_${as}` });
      name = as;
    }
    this.outputs.push({ name, type, shape });
    return name;
  }

  /** Adds a constant initializer and returns its name. Numeric `data` is converted to `type`. */
  constant(prefix: string, type: OnnxElemType, dims: readonly number[], data: ArrayLike<number> | readonly string[]): string {
    const name = this.fresh(prefix);
    this.initializers.push(makeTensor(name, type, dims, data));
    return name;
  }

  /** A scalar constant shared across the graph (one initializer per type and value). */
  scalar(type: OnnxElemType, value: number | string): string {
    const key = `${type}:${typeof value === 'number' && Object.is(value, -0) ? '-0' : String(value)}`;
    let name = this.scalarCache.get(key);
    if (name === undefined) {
      name = this.constant(`c_${type}`, type, [], typeof value === 'string' ? [value] : [value]);
      this.scalarCache.set(key, name);
    }
    return name;
  }

  /** Appends a node; returns its output names (`outputs` fresh names are derived from opType). */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttrInput>> = {},
    options: { domain?: string; outputs?: number; name?: string } = {},
  ): string[] {
    const nOut = options.outputs ?? 1;
    const outputs = Array.from({ length: nOut }, () => this.fresh(`${options.name ?? opType}`));
    const attrs: Record<string, OnnxAttributeValue> = {};
    for (const [k, v] of Object.entries(attributes)) {
      attrs[k] =
        typeof v === 'number'
          ? Number.isInteger(v)
            ? { type: 'int', value: v }
            : { type: 'float', value: v }
          : typeof v === 'string'
            ? { type: 'string', value: v }
            : v;
    }
    const node: OnnxNode = {
      opType,
      inputs,
      outputs,
      name: this.fresh(`n_${options.name ?? opType}`),
      attributes: attrs,
      ...(options.domain ? { domain: options.domain } : {}),
    };
    this.nodes.push(node);
    return outputs;
  }

  /** `op` for single-output nodes. */
  op1(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, AttrInput>> = {},
    options: { domain?: string; name?: string } = {},
  ): string {
    return this.op(opType, inputs, attributes, options)[0]!;
  }

  /** The finished model with our IR version and opsets (ai.onnx.ml only if an ML op is used). */
  toModel(meta: { docString?: string; metadata?: Record<string, string> } = {}): OnnxModel {
    const usesMl = this.nodes.some((n) => n.domain === ONNX_ML_DOMAIN);
    return {
      irVersion: ONNX_IR_VERSION,
      opsets: usesMl ? { '': ONNX_DEFAULT_OPSET, [ONNX_ML_DOMAIN]: ONNX_ML_OPSET } : { '': ONNX_DEFAULT_OPSET },
      producerName: '@mlops/ml',
      producerVersion: '0.1.0',
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
      ...(meta.docString ? { docString: meta.docString } : {}),
      ...(meta.metadata ? { metadata: meta.metadata } : {}),
    };
  }
}

/** Builds an `OnnxTensor` of `type`, converting numbers (int64 through BigInt). */
export function makeTensor(
  name: string | undefined,
  type: OnnxElemType,
  dims: readonly number[],
  data: ArrayLike<number> | readonly string[],
): OnnxTensor {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new RangeError(`tensor '${name ?? ''}': ${data.length} values for dims [${dims.join(', ')}]`);
  const named = name === undefined ? {} : { name };
  if (type === 'string') {
    const arr = Array.from(data as ArrayLike<unknown>);
    if (!arr.every((s) => typeof s === 'string')) throw new TypeError(`tensor '${name ?? ''}': string tensor needs string data`);
    return { ...named, type, dims, data: arr as string[] };
  }
  const nums = data as ArrayLike<number>;
  if (Array.from(nums as ArrayLike<unknown>).some((v) => typeof v !== 'number')) {
    throw new TypeError(`tensor '${name ?? ''}': ${type} tensor needs numeric data`);
  }
  switch (type) {
    case 'float':
      return { ...named, type, dims, data: Float32Array.from(nums) };
    case 'double':
      return { ...named, type, dims, data: Float64Array.from(nums) };
    case 'int64':
      return { ...named, type, dims, data: BigInt64Array.from(Array.from(nums, (v) => BigInt(v))) };
    case 'int32':
      return { ...named, type, dims, data: Int32Array.from(nums) };
    case 'uint8':
    case 'bool':
      return { ...named, type, dims, data: Uint8Array.from(nums) };
  }
}

/** Attribute value helpers (explicit types, so a float list of integers stays a float list). */
export const onnxAttr = {
  floats: (value: ArrayLike<number>): OnnxAttributeValue => ({ type: 'floats', value }),
  ints: (value: ArrayLike<number>): OnnxAttributeValue => ({ type: 'ints', value }),
  strings: (value: readonly string[]): OnnxAttributeValue => ({ type: 'strings', value }),
  float: (value: number): OnnxAttributeValue => ({ type: 'float', value }),
  int: (value: number): OnnxAttributeValue => ({ type: 'int', value }),
  tensor: (type: OnnxElemType, dims: readonly number[], data: ArrayLike<number> | readonly string[]): OnnxAttributeValue => ({
    type: 'tensor',
    value: makeTensor(undefined, type, dims, data),
  }),
};

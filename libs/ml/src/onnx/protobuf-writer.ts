/**
 * A minimal, dependency-free protobuf (proto2/proto3 wire format) writer: just what the ONNX
 * ModelProto needs. Wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit.
 * Reference: https://protobuf.dev/programming-guides/encoding/
 *
 * Nested messages are written by encoding the child into its own writer first and then copying it
 * as a length-delimited field; ONNX models of tree ensembles are a few MB at most, so the copy is
 * cheap and the code stays obviously correct.
 */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /**
   * Raw varint of a non-negative safe integer, or of a negative integer as its 64-bit two's
   * complement (10 bytes), as protobuf does for `int64`/`int32` fields.
   */
  varint(n: number): this {
    if (!Number.isSafeInteger(n)) throw new RangeError(`varint: value must be a safe integer, got ${n}`);
    if (n < 0) return this.varintBig(BigInt.asUintN(64, BigInt(n)));
    this.reserve(10);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
    return this;
  }

  private varintBig(v: bigint): this {
    this.reserve(10);
    let x = v;
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
    return this;
  }

  private tag(field: number, wireType: 0 | 1 | 2 | 5): this {
    return this.varint(field * 8 + wireType);
  }

  /** `int64`/`int32`/enum field (wire type 0). */
  int(field: number, n: number): this {
    return this.tag(field, 0).varint(n);
  }

  /** `float` field (wire type 5, little-endian IEEE 754 single). */
  float(field: number, v: number): this {
    this.tag(field, 5);
    this.reserve(4);
    this.view.setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** `bytes` field. */
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** `string` field, UTF-8 encoded. */
  string(field: number, s: string): this {
    return this.bytes(field, TEXT_ENCODER.encode(s));
  }

  /** Embedded message field: `write` fills a fresh writer whose bytes become the field value. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    write(child);
    return this.bytes(field, child.finish());
  }

  /** Packed repeated varint field (`repeated int64 ... [packed = true]`). */
  packedInts(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const child = new ProtoWriter(values.length * 2);
    for (let i = 0; i < values.length; i++) child.varint(values[i]!);
    return this.bytes(field, child.finish());
  }

  /** Packed repeated `float` field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const f = Float32Array.from(values as ArrayLike<number>);
    return this.bytes(field, littleEndianBytes(f));
  }

  /** The encoded bytes (a copy-free view of the internal buffer, valid until the next write). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

const TEXT_ENCODER = new TextEncoder();

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes of a typed array in little-endian order (ONNX `raw_data` layout). */
export function littleEndianBytes(a: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array): Uint8Array {
  if (a instanceof Uint8Array) return a;
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  const out = new Uint8Array(a.byteLength);
  const v = new DataView(out.buffer);
  const size = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) v.setFloat32(i * size, a[i]!, true);
    else if (a instanceof Float64Array) v.setFloat64(i * size, a[i]!, true);
    else if (a instanceof Int32Array) v.setInt32(i * size, a[i]!, true);
    else v.setBigInt64(i * size, a[i]!, true);
  }
  return out;
}

import kafkajs, { CompressionTypes } from 'kafkajs';
import { compressSync, uncompressSync } from 'snappy';

// Node's ESM loader does not see `CompressionCodecs` among kafkajs's named exports (its
// `module.exports` object ends with a spread), so it is read from the default export.
const { CompressionCodecs } = kafkajs;

// Snappy for Kafka record batches. kafkajs ships only gzip; the other codecs are plug-ins. This one
// is the `snappy` package (Google's C++ snappy through N-API, prebuilt binaries from npm).
//
// Producing: raw snappy of the batch's records, as kafkajs-snappy writes it; the broker and the
// Java clients read it (snappy-java's stream reader falls back to raw snappy when the data has no
// stream header).
// Consuming: raw snappy, or snappy-java's stream framing, which Java producers write and the broker
// writes when it recompresses a batch for a topic whose `compression.type` is `snappy`:
//   8-byte magic 0x82 "SNAPPY" 0x00, 4-byte version, 4-byte compatible version, then blocks of a
//   4-byte big-endian length and that many bytes of raw snappy.

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/** Compresses `data` as raw snappy. */
export function snappyCompress(data: Uint8Array): Buffer {
  return compressSync(data);
}

/**
 * Decompresses raw snappy or snappy-java's stream framing (see above).
 *
 * @throws Error when the data is not valid snappy, or a framed block runs past the end (the
 *   message says which block and where).
 */
export function snappyDecompress(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return toBuffer(uncompressSync(data));
  }
  const blocks: Buffer[] = [];
  let offset = XERIAL_HEADER_BYTES;
  while (offset < data.length) {
    if (offset + 4 > data.length) {
      throw new Error(
        `snappy-java frame truncated: block ${blocks.length} length at byte ${offset} of ${data.length}`,
      );
    }
    const size = data.readUInt32BE(offset);
    offset += 4;
    if (offset + size > data.length) {
      throw new Error(
        `snappy-java frame truncated: block ${blocks.length} of ${size} bytes at byte ${offset} of ${data.length}`,
      );
    }
    blocks.push(toBuffer(uncompressSync(data.subarray(offset, offset + size))));
    offset += size;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
}

function toBuffer(out: string | Buffer): Buffer {
  return typeof out === 'string' ? Buffer.from(out) : out;
}

const codec = {
  compress: (encoder: { buffer: Buffer }): Promise<Buffer> => Promise.resolve(snappyCompress(encoder.buffer)),
  decompress: (data: Buffer): Promise<Buffer> => Promise.resolve(snappyDecompress(data)),
};

/**
 * Registers the snappy codec with kafkajs (once per kafkajs module instance; again is harmless).
 * `createKafkaClient` calls it, so every client made here produces and consumes snappy batches; a
 * bare kafkajs client in the same module scope needs this call to read them.
 */
export function registerSnappyCodec(): void {
  (CompressionCodecs as Record<CompressionTypes, () => typeof codec>)[CompressionTypes.Snappy] = () => codec;
}

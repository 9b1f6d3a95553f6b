import kafkajs, { CompressionTypes } from 'kafkajs';
import { compressSync } from 'snappy';
import { registerSnappyCodec, snappyCompress, snappyDecompress } from './snappy-codec.js';

const text = Buffer.from(
  JSON.stringify(
    Array.from({ length: 200 }, (_, i) => ({
      requestId: `r-${i}`,
      probability: i / 200,
      contract: 'Month-to-month',
    })),
  ),
);

/** snappy-java's stream framing (SnappyOutputStream): magic, version 1, compatible version 1, then length-prefixed raw blocks. */
function xerialFrame(blocks: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(16);
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Buffer[] = [header];
  for (const block of blocks) {
    const compressed = compressSync(block);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(compressed.length, 0);
    parts.push(length, compressed);
  }
  return Buffer.concat(parts);
}

describe('snappy codec', () => {
  it('round-trips raw snappy and compresses JSON several times', () => {
    const compressed = snappyCompress(text);
    expect(compressed.length).toBeLessThan(text.length / 3);
    expect(snappyDecompress(compressed).equals(text)).toBe(true);
    expect(snappyDecompress(snappyCompress(Buffer.alloc(0))).length).toBe(0);
  });

  it("reads snappy-java's stream framing, one block or several", () => {
    expect(snappyDecompress(xerialFrame([text])).equals(text)).toBe(true);
    const blocks = [text.subarray(0, 1000), text.subarray(1000, 5000), text.subarray(5000)];
    expect(snappyDecompress(xerialFrame(blocks)).equals(text)).toBe(true);
    expect(snappyDecompress(xerialFrame([])).length).toBe(0);
  });

  it('says where a framed block is cut short', () => {
    const framed = xerialFrame([text]);
    expect(() => snappyDecompress(framed.subarray(0, framed.length - 10))).toThrow(
      /snappy-java frame truncated: block 0 of \d+ bytes at byte 20/,
    );
    expect(() => snappyDecompress(framed.subarray(0, 18))).toThrow(/block 0 length at byte 16 of 18/);
  });

  it('rejects data that is not snappy', () => {
    expect(() => snappyDecompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02]))).toThrow();
  });

  it('plugs into kafkajs as its snappy codec', async () => {
    registerSnappyCodec();
    registerSnappyCodec();
    const codec = (
      kafkajs.CompressionCodecs as Record<
        number,
        () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }
      >
    )[CompressionTypes.Snappy]!();
    const compressed = await codec.compress({ buffer: text });
    expect(compressed.equals(snappyCompress(text))).toBe(true);
    expect((await codec.decompress(compressed)).equals(text)).toBe(true);
    expect((await codec.decompress(xerialFrame([text]))).equals(text)).toBe(true);
  });
});

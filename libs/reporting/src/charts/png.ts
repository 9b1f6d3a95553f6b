import { ChartError } from './theme.js';

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/**
 * Width and height in pixels from a PNG's IHDR chunk (bytes 16..23, big-endian).
 * @throws ChartError when the bytes do not start with the PNG signature and an IHDR chunk.
 */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  if (png.length < 24 || PNG_SIGNATURE.some((b, i) => png[i] !== b))
    throw new ChartError('not a PNG: the signature is missing');
  if (String.fromCharCode(png[12]!, png[13]!, png[14]!, png[15]!) !== 'IHDR')
    throw new ChartError('not a PNG: IHDR is not the first chunk');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** `data:image/png;base64,...` for embedding a PNG in HTML. */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}

import type { Readable } from 'node:stream';

/** What {@link ArtifactStore.put} stored. */
export interface StoredBlob {
  /** sha256 of the bytes, lower-case hex: the address of the blob. */
  readonly digest: string;
  readonly size: number;
}

/**
 * A content-addressed blob store: a blob is written once under the sha256 of its bytes and read
 * back by that digest. The local implementation keeps files under the artifact root; an
 * S3-compatible store implements the same three calls with objects named by digest
 * (`PutObject` if absent, `GetObject`, `HeadObject`).
 */
export abstract class ArtifactStore {
  /** Stores the bytes (a no-op when the digest is already present) and returns their digest. */
  abstract put(data: Buffer): Promise<StoredBlob>;
  /** A stream of the blob, or undefined when the store does not hold the digest. */
  abstract open(digest: string): Promise<Readable | undefined>;
  abstract has(digest: string): Promise<boolean>;
}

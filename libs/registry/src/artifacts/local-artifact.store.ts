import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ArtifactStore, type StoredBlob } from './artifact.store.js';

const DIGEST = /^[0-9a-f]{64}$/;

/**
 * {@link ArtifactStore} on the local disk: blob `<root>/<d[0..2]>/<digest>`. Writes go to a
 * temporary file in the same folder and are renamed into place, so a reader never sees a partial
 * blob and two writers of the same bytes both succeed.
 */
export class LocalArtifactStore extends ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  pathOf(digest: string): string {
    if (!DIGEST.test(digest)) throw new Error(`digest "${digest}" must be 64 lower-case hex characters (sha256)`);
    return join(this.root, digest.slice(0, 2), digest);
  }

  async put(data: Buffer): Promise<StoredBlob> {
    const digest = createHash('sha256').update(data).digest('hex');
    const target = this.pathOf(digest);
    if (!(await this.has(digest))) {
      await mkdir(join(this.root, digest.slice(0, 2)), { recursive: true });
      const temp = `${target}.${randomUUID()}.tmp`;
      try {
        await writeFile(temp, data);
        await rename(temp, target);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
    }
    return { digest, size: data.length };
  }

  async open(digest: string): Promise<Readable | undefined> {
    if (!(await this.has(digest))) return undefined;
    return createReadStream(this.pathOf(digest));
  }

  async has(digest: string): Promise<boolean> {
    if (!DIGEST.test(digest)) return false;
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch {
      return false;
    }
  }
}

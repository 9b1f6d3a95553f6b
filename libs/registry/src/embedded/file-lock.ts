import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * An exclusive lock file (`open(path, 'wx')`) holding `<pid>@<host>`. A lock whose process is gone
 * (same host, no such pid) is stale and taken over; otherwise the caller waits up to `timeoutMs`,
 * then gets an error that names the holder and the file to delete if that process is not running.
 * @returns the release function (removes the file).
 */
export async function acquireFileLock(
  path: string,
  timeoutMs: number,
  what: string,
): Promise<() => Promise<void>> {
  const owner = `${process.pid}@${hostname()}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(owner);
      await handle.close();
      return async () => {
        if ((await readFile(path, 'utf8').catch(() => '')) === owner)
          await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = (await readFile(path, 'utf8').catch(() => '')).trim();
    if (isStale(holder)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${what} is in use by process ${holder || '(unknown)'} (lock file ${path}): wait for that command to finish, or delete the lock file if no such process is running`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A holder `<pid>@<host>` on this host whose process no longer exists. */
function isStale(holder: string): boolean {
  const match = /^(\d+)@(.*)$/.exec(holder);
  if (match === null || match[2] !== hostname()) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

import { mkdirSync, mkdtempSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under the system temp dir; `remove()` deletes it and everything in it. */
export function makeTempDir(prefix = 'fleetvisor-test-'): { path: string; remove(): void; fresh(): string } {
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  let count = 0;
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
    /** A new, empty, numbered directory inside it. */
    fresh() {
      const dir = join(path, String(++count));
      mkdirSync(dir);
      return dir;
    },
  };
}

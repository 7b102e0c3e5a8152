/**
 * Files that hold keys and certificates: written through a temporary file and a rename, so a
 * crash never leaves half a key behind, with their mode set on the temporary file before any
 * byte lands (a private key is never readable by others, not even for an instant).
 */
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Private keys. */
export const SECRET_MODE = 0o600;
/** Certificates. */
export const PUBLIC_MODE = 0o644;

/** Replaces `path` with `content` atomically; throws the file system's error. */
export function writeFileAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w', mode);
  try {
    chmodSync(temporary, mode); // the umask may have taken bits away
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(temporary, path);
}

// Byte-exact accounting of a rotated log: what was captured (also the files that rotation
// deleted by design), what is retained, and whether the retained files are exactly the tail of
// the stream.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StreamReader } from './stream-pattern.js';

interface TrackedFile {
  ino: bigint;
  birthNs: bigint;
  /** 0 for the live file, k for "<base>.k". */
  nameIndex: number;
  size: number;
}

/**
 * Follows every file that ever holds the log, by inode, while the log is written. Rotation only
 * moves a file to a higher index (base -> .1 -> ... -> .backups -> deleted), and a scan stats the
 * names in ascending index order, so a file that moves during a scan is seen at its old or its new
 * name, never neither. A file is counted at the largest size it was seen with: once rotated it
 * stays visible as .1 .. .backups for `backups` more rotations, far longer than the scan interval.
 * An inode that disappears, shrinks, or shows up at a lower index is a finished file (inode
 * numbers are reused after a delete).
 */
export class LogTracker {
  private readonly live = new Map<bigint, TrackedFile>();
  private finishedBytes = 0;
  private finishedFiles = 0;

  constructor(
    readonly base: string,
    readonly backups: number,
  ) {}

  /** The names in ascending index: base, base.1, ..., base.(backups + 1) (the last should never exist). */
  names(): string[] {
    const out = [this.base];
    for (let k = 1; k <= this.backups + 1; k++) out.push(`${this.base}.${k}`);
    return out;
  }

  scan(): void {
    const seen = new Set<bigint>();
    this.names().forEach((name, index) => {
      let st;
      try {
        st = statSync(name, { bigint: true });
      } catch {
        return;
      }
      const size = Number(st.size);
      let file = this.live.get(st.ino);
      if (file && (size < file.size || index < file.nameIndex || st.birthtimeNs !== file.birthNs)) {
        this.finish(file);
        file = undefined;
      }
      if (!file) {
        file = { ino: st.ino, birthNs: st.birthtimeNs, nameIndex: index, size };
        this.live.set(st.ino, file);
      } else {
        file.size = Math.max(file.size, size);
        file.nameIndex = index;
      }
      seen.add(st.ino);
    });
    for (const file of [...this.live.values()]) if (!seen.has(file.ino)) this.finish(file);
  }

  private finish(file: TrackedFile): void {
    this.live.delete(file.ino);
    this.finishedBytes += file.size;
    this.finishedFiles++;
  }

  /** Bytes in every file seen so far: retained and deleted by the backups limit. */
  get capturedBytes(): number {
    let sum = this.finishedBytes;
    for (const f of this.live.values()) sum += f.size;
    return sum;
  }

  /** Distinct files that held the log; rotations = files - 1. */
  get files(): number {
    return this.finishedFiles + this.live.size;
  }
}

export interface RetainedCheck {
  /** Retained files, oldest first, with their sizes. */
  files: { name: string; size: number }[];
  retainedBytes: number;
  /** Latest modification time over the retained files, ms since the epoch. */
  lastWriteMs: number;
  contentOk: boolean;
  /** Why the content check failed, when it did. */
  problem: string | null;
}

/**
 * Checks that the retained files, oldest (.backups) to newest (base), concatenate to exactly the
 * last bytes of the `written`-byte stream.
 */
export function verifyRetained(tracker: LogTracker, written: number, lineBytes: number): RetainedCheck {
  const files: { name: string; size: number }[] = [];
  let lastWriteMs = 0;
  for (const name of tracker.names().reverse()) {
    try {
      const st = statSync(name, { bigint: true });
      files.push({ name, size: Number(st.size) });
      lastWriteMs = Math.max(lastWriteMs, Number(st.mtimeNs) / 1e6);
    } catch {
      /* absent */
    }
  }
  const retainedBytes = files.reduce((s, f) => s + f.size, 0);
  const result: RetainedCheck = { files, retainedBytes, lastWriteMs, contentOk: false, problem: null };
  if (retainedBytes > written) {
    result.problem = `retained ${retainedBytes} bytes, more than the ${written} written`;
    return result;
  }
  const stream = new StreamReader(lineBytes);
  const buf = Buffer.allocUnsafe(1 << 20);
  let offset = written - retainedBytes;
  for (const f of files) {
    const fd = openSync(f.name, 'r');
    try {
      let done = 0;
      while (done < f.size) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, f.size - done), done);
        if (n === 0) {
          result.problem = `${f.name} shrank while being verified`;
          return result;
        }
        let at = 0;
        while (at < n) {
          const want = stream.slice(offset, n - at);
          if (!want.equals(buf.subarray(at, at + want.length))) {
            result.problem = `${f.name} differs from the stream near file offset ${done + at} (stream offset ${offset})`;
            return result;
          }
          at += want.length;
          offset += want.length;
        }
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  }
  result.contentOk = offset === written;
  if (!result.contentOk) result.problem = `retained files end at stream offset ${offset}, not ${written}`;
  return result;
}

/**
 * One spool segment file: its name (the seq of its first record), its size, and a sparse index
 * of where records start (a mark every INDEX_EVERY_BYTES), so a reader can start near any seq
 * without reading the segment from its beginning. Segments written by this process are indexed
 * as they are written; older ones on their first seek, with one scan.
 */
import { readFileSync } from 'node:fs';
import { scanRecords } from './spool-record.js';

const INDEX_EVERY_BYTES = 64 * 1024;

export class Segment {
  /** Pairs (seq, offset), in order; null until built. */
  private marks: number[] | null;

  constructor(
    /** The seq of its first record (or of the record it will get first, when empty). */
    readonly first: number,
    readonly path: string,
    public bytes: number,
    /** Whether the marks are known: a new segment, or one just scanned. */
    indexed: boolean,
  ) {
    this.marks = indexed ? [] : null;
  }

  /** Records a record just written (or found by a scan) at `offset`. */
  note(seq: number, offset: number): void {
    const marks = this.marks;
    if (marks === null) return;
    if (marks.length === 0 || offset - marks[marks.length - 1]! >= INDEX_EVERY_BYTES) marks.push(seq, offset);
  }

  /** An offset where a record at or before seq `seq` starts: a read for `seq` can begin there. */
  startFor(seq: number): number {
    const marks = this.marks ?? this.build();
    let lo = 0;
    let hi = marks.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (marks[mid * 2]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : marks[(lo - 1) * 2 + 1]!;
  }

  private build(): number[] {
    this.marks = [];
    try {
      for (const record of scanRecords(readFileSync(this.path).subarray(0, this.bytes), 0).records) this.note(record.seq, record.offset);
    } catch {
      // Unreadable: reads start at 0 and report what they find.
    }
    return this.marks;
  }
}

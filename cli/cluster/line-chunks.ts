/**
 * Lines of text gathered into Buffers a thousand at a time, each line ended by a newline, for
 * output of thousands of lines (`status -A`): strings kept until the end are copied by every
 * garbage collection that finds them alive, bytes outside the JavaScript heap are not.
 */
const LINES_PER_CHUNK = 1000;

export class LineChunks {
  private readonly chunks: Buffer[] = [];
  private pending: string[] = [];

  add(line: string): void {
    this.pending.push(line);
    if (this.pending.length === LINES_PER_CHUNK) this.flush();
  }

  /** Everything added so far, as UTF-8; empty when no line was. */
  bytes(): Buffer {
    this.flush();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Buffer.from(`${this.pending.join('\n')}\n`));
    this.pending = [];
  }
}

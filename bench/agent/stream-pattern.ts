// The byte stream the log writer emits, reproducible by the verifier.
//
// Line i (0-based) is `lineBytes` long: "#<i, 10 digits> " then printable pseudo-random bytes,
// then "\n". Each line's filler is a window of one fixed random buffer starting at a
// line-dependent offset, so every line differs: a gap, a duplicate, a reorder or a torn write
// anywhere in the retained files changes bytes that the verifier compares one for one.

const SPAN = 4093; // prime, so line windows cycle slowly

/** The fixed random buffer (xorshift32, constant seed), bytes in '!'..'~'. */
export function makeBase(lineBytes: number): Buffer {
  const base = Buffer.allocUnsafe(lineBytes + SPAN);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < base.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    base[i] = 0x21 + ((x >>> 0) % 94);
  }
  return base;
}

/** Writes line `i` into `out` (length lineBytes). */
export function fillLine(base: Buffer, out: Buffer, i: number): void {
  const lineBytes = out.length;
  const start = (i * 61) % SPAN;
  base.copy(out, 0, start, start + lineBytes);
  out.write(`#${String(i).padStart(10, '0')} `, 0, 'latin1');
  out[lineBytes - 1] = 0x0a;
}

/** Produces the stream's bytes from any offset on, in slices of whole or partial lines. */
export class StreamReader {
  private readonly base: Buffer;
  private readonly line: Buffer;
  private lineIndex = -1;

  constructor(readonly lineBytes: number) {
    this.base = makeBase(lineBytes);
    this.line = Buffer.allocUnsafe(lineBytes);
  }

  /** The stream bytes [offset, offset + n), n at most up to the end of that line. */
  slice(offset: number, n: number): Buffer {
    const i = Math.floor(offset / this.lineBytes);
    if (i !== this.lineIndex) {
      fillLine(this.base, this.line, i);
      this.lineIndex = i;
    }
    const at = offset - i * this.lineBytes;
    return this.line.subarray(at, Math.min(this.lineBytes, at + n));
  }
}

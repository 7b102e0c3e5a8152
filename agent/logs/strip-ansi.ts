const ESC = 0x1b;
const LEFT_BRACKET = 0x5b;

/** Bytes that end a sequence, as in supervisord's ANSI_TERMINATORS (supervisor/dispatchers.py). */
const TERMINATOR = new Uint8Array(256);
for (const c of 'HfABCDRsuJKhlpm') TERMINATOR[c.charCodeAt(0)] = 1;

const enum State {
  /** Copying output. */
  Show,
  /** The previous chunk ended with an ESC that may start a sequence; it has been held back. */
  HeldEscape,
  /** Inside `ESC[`, dropping bytes up to and including a terminator. */
  Hide,
}

/**
 * supervisord's strip_ansi for one byte stream: removes every `ESC[` up to and including the
 * first byte in `HfABCDRsuJKhlpm` (any bytes in between, as stripEscapes does). Nothing else is
 * touched; other escapes such as OSC (`ESC]`) and invalid UTF-8 pass through unchanged.
 *
 * Unlike stripEscapes, which starts afresh on every read, the state carries over between chunks,
 * so a sequence split across two reads is still removed. An ESC at the very end of a chunk is held
 * back until the next byte shows whether it starts a sequence.
 *
 * Use one stripper per stream: two children's pipes interleave chunks, not bytes.
 */
export class AnsiStripper {
  private state = State.Show;
  /**
   * Set by strip(): an ESC held back from the previous chunk turned out to be plain output, so the
   * caller must write one ESC byte before this chunk's kept bytes.
   */
  releasedEscape = false;

  /**
   * Strips `data` in place: the kept bytes are moved to the front, and their count is returned.
   * `data` must be the caller's own buffer. A chunk without ESC costs one memchr.
   */
  strip(data: Buffer): number {
    const length = data.length;
    this.releasedEscape = false;
    let read = 0;
    let kept = 0;
    if (this.state === State.HeldEscape) {
      if (length === 0) return 0;
      if (data[0] === LEFT_BRACKET) {
        this.state = State.Hide;
        read = 1;
      } else {
        this.state = State.Show;
        this.releasedEscape = true;
      }
    }
    while (read < length) {
      if (this.state === State.Hide) {
        while (read < length && TERMINATOR[data[read]!] === 0) read++;
        if (read === length) break;
        read++;
        this.state = State.Show;
        continue;
      }
      let esc = data.indexOf(ESC, read);
      if (esc === -1) esc = length;
      if (kept !== read) data.copyWithin(kept, read, esc);
      kept += esc - read;
      if (esc === length) break;
      if (esc + 1 === length) {
        this.state = State.HeldEscape;
        break;
      }
      if (data[esc + 1] === LEFT_BRACKET) {
        this.state = State.Hide;
        read = esc + 2;
      } else {
        data[kept++] = ESC;
        read = esc + 1;
      }
    }
    return kept;
  }

  /**
   * The stream has ended. Returns true when an ESC was still held back, which the caller then
   * writes: a lone ESC at the very end is plain output. The stripper starts afresh afterwards.
   */
  end(): boolean {
    const held = this.state === State.HeldEscape;
    this.state = State.Show;
    return held;
  }
}

/**
 * Where a command's output goes. supervisorctl prints results and most errors on stdout (its
 * `ctl.output`), and only usage errors and `tail -f` transport errors on stderr; commands write
 * through this pair so tests can capture both as text.
 */
export interface Writer {
  out(text: string | Uint8Array): void;
  err(text: string | Uint8Array): void;
}

/** A Writer that collects everything, for tests and for the parity suite's in-process runs. */
export class BufferWriter implements Writer {
  private readonly outChunks: Buffer[] = [];
  private readonly errChunks: Buffer[] = [];

  out(text: string | Uint8Array): void {
    this.outChunks.push(Buffer.from(text));
  }

  err(text: string | Uint8Array): void {
    this.errChunks.push(Buffer.from(text));
  }

  get stdout(): string {
    return Buffer.concat(this.outChunks).toString('utf8');
  }

  get stderr(): string {
    return Buffer.concat(this.errChunks).toString('utf8');
  }
}

/** The process's own stdout and stderr. */
export const processWriter: Writer = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/**
 * Python's str.split() with no argument: runs of whitespace separate words, leading and
 * trailing whitespace give no empty words. supervisorctl splits every argument line this way.
 */
export function pySplit(line: string): string[] {
  return line.split(PY_WHITESPACE).filter((word) => word !== '');
}

/** Python's str.strip() with no argument. */
export function pyStrip(line: string): string {
  return line.replace(PY_LEADING, '').replace(PY_TRAILING, '');
}

// Python's str.isspace(): \s plus the four ASCII information separators.
const PY_WHITESPACE = /[\s\x1c-\x1f]+/u;
const PY_LEADING = /^[\s\x1c-\x1f]+/u;
const PY_TRAILING = /[\s\x1c-\x1f]+$/u;

/** Python's int() of a word: optional sign, digits with single underscores between them; null otherwise. */
export function pyInt(word: string): number | null {
  const text = pyStrip(word);
  if (!/^[+-]?\d+(?:_\d+)*$/u.test(text)) return null;
  return Number(text.replaceAll('_', ''));
}

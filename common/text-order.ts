/**
 * Python's default string order, by code point, which supervisorctl's sorted output follows.
 * JavaScript's `<` compares UTF-16 code units: the same order, except that a code point beyond
 * U+FFFF (a surrogate pair, units D800-DFFF) sorts below U+E000-U+FFFF there and above them here.
 * Only where two strings first differ in units at or above D800 does the code point decide.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 || y < 0xd800) return x - y;
    return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

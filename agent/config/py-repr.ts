/**
 * Python's `repr()` of a str, for supervisord's messages that embed values with `%r`
 * (`not a valid boolean value: 'maybe'`). Single quotes unless the text holds a single quote
 * and no double quote, as Python chooses. `ascii` escapes every non-ASCII character too (`%a`).
 */
export function pyRepr(s: string, ascii = false): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f || (ascii ? cp > 0x7e : isUnprintable(ch))) out += escapeCodePoint(cp);
    else out += ch;
  }
  return out + quote;
}

/** Python's str.isprintable() is false for control, format, separator and unassigned characters (space aside). */
function isUnprintable(ch: string): boolean {
  return ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch);
}

function escapeCodePoint(cp: number): string {
  if (cp < 0x100) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

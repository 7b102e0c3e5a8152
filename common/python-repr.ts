/**
 * Python's repr() of str and bytes, for the messages supervisord builds with %r (`not a valid
 * boolean value: 'maybe'`, `can't find command '/x'`, `Undecodable: b'...'`), so fleetvisor's
 * texts read exactly as supervisord's. The one home of these rules.
 */

/**
 * repr(s) of a Python str: single quotes unless the text holds a single quote and no double
 * quote, as Python chooses. `ascii` escapes every non-ASCII character too (`%a`).
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

/** repr(b) of a Python bytes: b'...' with printable ASCII kept and every other byte as \xNN. */
export function pyBytesRepr(data: Uint8Array): string {
  const quote = data.includes(0x27) && !data.includes(0x22) ? 0x22 : 0x27;
  let out = `b${String.fromCharCode(quote)}`;
  for (const byte of data) {
    if (byte === 0x5c || byte === quote) out += `\\${String.fromCharCode(byte)}`;
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out + String.fromCharCode(quote);
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

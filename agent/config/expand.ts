import { ConfigValueError } from './errors.js';
import { pyRepr } from '../../common/python-repr.js';
import { compareCodePoints } from '../../common/text-order.js';

/**
 * supervisord expands every option with Python's `%` operator and a dict of names
 * (reference 1.3): `%(program_name)s`, `%(process_num)02d`, `%%`. This is that operator, for the
 * values supervisord puts in the dict: strings, and integers (process_num, numprocs).
 */
export type ExpansionValue = string | number;
export type Expansions = ReadonlyMap<string, ExpansionValue>;

/** A name the format asks for is not in the dict (Python's KeyError). */
class MissingName extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

/** Anything else Python's `%` rejects; the message is Python's own text. */
class BadFormat extends Error {}

const FLAGS = '-+ #0';
const LENGTH_MODIFIERS = 'hlL';

/**
 * Expands `value` as supervisord's `expand(s, expansions, name)`, with its two error texts:
 * an unknown name lists the available ones (sorted as Python sorts them), anything else is
 * "badly formatted" with Python's reason. `optionName` is how supervisord names the option in
 * the message, e.g. `program:x.command`.
 */
export function expand(value: string, names: Expansions, optionName: string): string {
  try {
    return pyFormat(value, names);
  } catch (err) {
    if (err instanceof MissingName) {
      const available = [...names.keys()].sort(compareCodePoints).join(', ');
      throw new ConfigValueError(
        `Format string ${pyRepr(value)} for ${pyRepr(optionName)} contains names (${pyRepr(err.key)}) ` +
          `which cannot be expanded. Available names: ${available}`,
      );
    }
    if (err instanceof BadFormat) {
      throw new ConfigValueError(`Format string ${pyRepr(value)} for ${pyRepr(optionName)} is badly formatted: ${err.message}`);
    }
    throw err;
  }
}

/** Python's `%` operator with a dict on the right, left to right, failing at the first problem. */
export function pyFormat(format: string, names: Expansions): string {
  const chars = Array.from(format);
  let out = '';
  let i = 0;
  const incomplete = (): never => {
    throw new BadFormat('incomplete format');
  };
  while (i < chars.length) {
    const c = chars[i++]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    if (i >= chars.length) incomplete();
    if (chars[i] === '%') {
      out += '%';
      i++;
      continue;
    }
    if (chars[i] !== '(') {
      // Python would format the whole dict here ('%s' % {...}); no config means that.
      throw new BadFormat('every conversion needs a name, as in %(name)s; write %% for a literal %');
    }
    // The key runs to the matching parenthesis; Python counts nested ones.
    let depth = 1;
    const keyStart = ++i;
    while (i < chars.length && depth > 0) {
      if (chars[i] === '(') depth++;
      else if (chars[i] === ')') depth--;
      i++;
    }
    if (depth > 0) throw new BadFormat('incomplete format key');
    const key = chars.slice(keyStart, i - 1).join('');
    // Python looks the name up before it reads the rest of the conversion.
    const value = names.get(key);
    if (value === undefined) throw new MissingName(key);

    let flags = '';
    while (i < chars.length && FLAGS.includes(chars[i]!)) flags += chars[i++];
    if (chars[i] === '*') throw new BadFormat('* wants int');
    let width = 0;
    while (i < chars.length && isDigit(chars[i]!)) width = width * 10 + Number(chars[i++]);
    let precision: number | null = null;
    if (chars[i] === '.') {
      i++;
      if (chars[i] === '*') throw new BadFormat('* wants int');
      precision = 0;
      while (i < chars.length && isDigit(chars[i]!)) precision = precision * 10 + Number(chars[i++]);
    }
    while (i < chars.length && LENGTH_MODIFIERS.includes(chars[i]!)) i++;
    if (i >= chars.length) incomplete();
    const conversion = chars[i]!;
    out += convert(value, { flags, width, precision, conversion, index: i });
    i++;
  }
  return out;
}

interface Spec {
  flags: string;
  width: number;
  precision: number | null;
  conversion: string;
  /** Position of the conversion character, for Python's "unsupported format character" text. */
  index: number;
}

function convert(value: ExpansionValue, spec: Spec): string {
  const { conversion: conv, precision } = spec;
  switch (conv) {
    case 's':
    case 'r':
    case 'a': {
      let text = typeof value === 'number' ? String(value) : conv === 's' ? value : pyRepr(value, conv === 'a');
      if (precision !== null) text = Array.from(text).slice(0, precision).join('');
      return pad(text, spec);
    }
    case 'c':
      return pad(toChar(value), spec);
    case 'd':
    case 'i':
    case 'u':
      if (typeof value !== 'number') throw new BadFormat(`%${conv} format: a real number is required, not str`);
      return formatInteger(value, 10, spec);
    case 'o':
    case 'x':
    case 'X':
      if (typeof value !== 'number') throw new BadFormat(`%${conv} format: an integer is required, not str`);
      return formatInteger(value, conv === 'o' ? 8 : 16, spec);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (typeof value !== 'number') throw new BadFormat('must be real number, not str');
      return formatFloat(value, spec);
    default: {
      const code = conv.codePointAt(0)!.toString(16);
      throw new BadFormat(`unsupported format character ${pyRepr(conv)} (0x${code}) at index ${spec.index}`);
    }
  }
}

function toChar(value: ExpansionValue): string {
  if (typeof value === 'number') {
    if (value < 0 || value > 0x10ffff) throw new BadFormat('%c arg not in range(0x110000)');
    return String.fromCodePoint(value);
  }
  if (Array.from(value).length !== 1) throw new BadFormat('%c requires int or char');
  return value;
}

function formatInteger(n: number, base: number, spec: Spec): string {
  let digits = Math.abs(n).toString(base);
  if (spec.precision !== null) digits = digits.padStart(spec.precision, '0');
  let prefix = '';
  if (spec.flags.includes('#') && base === 8) prefix = '0o';
  if (spec.flags.includes('#') && base === 16) prefix = '0x';
  if (spec.conversion === 'X') {
    digits = digits.toUpperCase();
    prefix = prefix.toUpperCase();
  }
  return padNumber(sign(n, spec.flags) + prefix, digits, spec);
}

function formatFloat(n: number, spec: Spec): string {
  const alternate = spec.flags.includes('#');
  const conv = spec.conversion.toLowerCase();
  const precision = spec.precision ?? 6;
  const abs = Math.abs(n);
  let body: string;
  if (conv === 'f') {
    body = abs.toFixed(precision);
    if (alternate && precision === 0) body += '.';
  } else if (conv === 'e') {
    body = exponential(abs, precision, alternate);
  } else {
    // %g: exponent notation when the exponent is < -4 or >= the precision; zeros trimmed unless '#'.
    const p = precision === 0 ? 1 : precision;
    const exponent = Number(abs.toExponential(p - 1).split('e')[1]);
    if (exponent >= -4 && exponent < p) {
      body = abs.toFixed(p - 1 - exponent);
      if (!alternate) body = trimZeros(body);
      else if (!body.includes('.')) body += '.';
    } else {
      body = exponential(abs, p - 1, alternate);
      if (!alternate) {
        const [mantissa, exp] = body.split('e');
        body = `${trimZeros(mantissa!)}e${exp}`;
      }
    }
  }
  if (spec.conversion !== conv) body = body.toUpperCase();
  return padNumber(sign(n, spec.flags), body, spec);
}

/** Python's %e: at least two exponent digits, and a '.' kept under '#' even with no decimals. */
function exponential(abs: number, precision: number, alternate: boolean): string {
  const [mantissa, exp] = abs.toExponential(precision).split('e');
  const expSign = exp!.startsWith('-') ? '-' : '+';
  const expDigits = exp!.replace(/^[+-]/, '').padStart(2, '0');
  const dot = alternate && !mantissa!.includes('.') ? '.' : '';
  return `${mantissa}${dot}e${expSign}${expDigits}`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function sign(n: number, flags: string): string {
  if (n < 0) return '-';
  if (flags.includes('+')) return '+';
  if (flags.includes(' ')) return ' ';
  return '';
}

/** Width padding for numbers: '-' pads on the right, '0' with zeros after the sign and prefix. */
function padNumber(head: string, body: string, spec: Spec): string {
  const { flags, width } = spec;
  if (!flags.includes('-') && flags.includes('0')) {
    const zeros = Math.max(0, width - head.length - body.length);
    return head + '0'.repeat(zeros) + body;
  }
  return pad(head + body, spec);
}

/** Width padding with spaces; Python ignores the '0' flag for %s, %r, %a and %c. */
function pad(text: string, spec: Spec): string {
  const length = Array.from(text).length;
  if (length >= spec.width) return text;
  const fill = ' '.repeat(spec.width - length);
  return spec.flags.includes('-') ? text + fill : fill + text;
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}


import { ConfigValueError } from './errors.js';

/**
 * A port of Python's `shlex.shlex` in POSIX mode (Lib/shlex.py, `read_token`), restricted to the
 * two configurations supervisord uses: `shlex.split(command)` for `command=` and the lexer of
 * `dict_of_key_value_pairs` for `environment=`. Ported state for state so that quoting, escapes,
 * comments and the one-character punctuation tokens behave exactly as Python's.
 */
interface LexerSettings {
  /** Characters that form words; anything else that is not whitespace or a quote is a token on its own. */
  wordchars: ReadonlySet<string>;
  /** Characters that start a comment running to the end of the line. */
  commenters: string;
  /** `shlex.split` mode: only whitespace separates tokens. */
  whitespaceSplit: boolean;
}

const WHITESPACE = ' \t\r\n';
const QUOTES = '\'"';
const ESCAPE = '\\';
/** Inside these quotes a backslash escapes the quote itself and the backslash (POSIX sh). */
const ESCAPED_QUOTES = '"';

const BASE_WORDCHARS =
  'abcdfeghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_' +
  // shlex adds these Latin-1 letters in POSIX mode.
  'ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ';

const SPLIT: LexerSettings = { wordchars: new Set(BASE_WORDCHARS), commenters: '', whitespaceSplit: true };

/** supervisord: `lexer.wordchars += '/.+-():'`, comments start with `#`. */
const ENVIRONMENT: LexerSettings = {
  wordchars: new Set(BASE_WORDCHARS + '/.+-():'),
  commenters: '#',
  whitespaceSplit: false,
};

function tokenize(input: string, settings: LexerSettings): string[] {
  const { wordchars, commenters, whitespaceSplit } = settings;
  const chars = Array.from(input);
  let pos = 0;
  // 'a' = in a word, ' ' = between tokens, a quote or the escape char = inside it, null = end.
  let state: string | null = ' ';
  // A punctuation character read while in a word; it is the next token (shlex.pushback).
  let pushback: string | null = null;

  const next = (): string => (pos < chars.length ? chars[pos++]! : '');
  const skipLine = (): void => {
    while (pos < chars.length && chars[pos++] !== '\n');
  };

  // Returns null at the end of input (shlex's eof in POSIX mode).
  const readToken = (): string | null => {
    let quoted = false;
    let escapedState = ' ';
    let token = '';
    for (;;) {
      const c = next();
      if (state === null) {
        token = '';
        break;
      } else if (state === ' ') {
        if (c === '') {
          state = null;
          break;
        } else if (WHITESPACE.includes(c)) {
          if (token || quoted) break;
        } else if (commenters.includes(c)) {
          skipLine();
        } else if (c === ESCAPE) {
          escapedState = 'a';
          state = c;
        } else if (wordchars.has(c)) {
          token = c;
          state = 'a';
        } else if (QUOTES.includes(c)) {
          state = c;
        } else if (whitespaceSplit) {
          token = c;
          state = 'a';
        } else {
          token = c;
          break;
        }
      } else if (QUOTES.includes(state)) {
        quoted = true;
        if (c === '') throw new ConfigValueError('No closing quotation');
        if (c === state) state = 'a';
        else if (c === ESCAPE && ESCAPED_QUOTES.includes(state)) {
          escapedState = state;
          state = c;
        } else token += c;
      } else if (state === ESCAPE) {
        if (c === '') throw new ConfigValueError('No escaped character');
        // Inside quotes only the quote itself and the backslash can be escaped.
        if (QUOTES.includes(escapedState) && c !== state && c !== escapedState) token += state;
        token += c;
        state = escapedState;
      } else {
        // state === 'a'
        if (c === '') {
          state = null;
          break;
        } else if (WHITESPACE.includes(c)) {
          state = ' ';
          if (token || quoted) break;
        } else if (commenters.includes(c)) {
          skipLine();
          state = ' ';
          if (token || quoted) break;
        } else if (QUOTES.includes(c)) {
          state = c;
        } else if (c === ESCAPE) {
          escapedState = 'a';
          state = c;
        } else if (wordchars.has(c) || whitespaceSplit) {
          token += c;
        } else {
          pushback = c;
          state = ' ';
          if (token || quoted) break;
        }
      }
    }
    return token === '' && !quoted ? null : token;
  };

  const tokens: string[] = [];
  for (;;) {
    if (pushback !== null) {
      tokens.push(pushback);
      pushback = null;
      continue;
    }
    const token = readToken();
    if (token === null) return tokens;
    tokens.push(token);
  }
}

/**
 * Python's `shlex.split(command)`: quotes group words, a backslash escapes the next character,
 * `#` is not a comment. Throws a ConfigValueError with Python's text (`No closing quotation`,
 * `No escaped character`) that callers wrap, as supervisord wraps it in its spawn error.
 */
export function splitCommand(command: string): string[] {
  return tokenize(command, SPLIT);
}

/**
 * The tokens of an `environment=` value, as supervisord's `dict_of_key_value_pairs` sees them:
 * words (letters, digits and `_/.+-():`), quoted strings with the quotes removed, and every other
 * character (`=`, `,`, `;`...) as a token of its own. `#` starts a comment to the end of the line.
 */
export function environmentTokens(value: string): string[] {
  return tokenize(value, ENVIRONMENT);
}

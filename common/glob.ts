import { lstatSync, readdirSync, statSync } from 'node:fs';

/**
 * Shell-style wildcards as Python's fnmatch and glob modules define them, for `[include] files=`
 * and for addresses (`web-*`, `worker_?`, `[ab]*`):
 *   `*` any run of characters (also `/` and `.`: fnmatch knows nothing of paths),
 *   `?` one character, `[seq]` one character in seq (ranges `a-z`), `[!seq]` one not in seq.
 * There is no escape character; `[*]` matches a literal star. Matching is case-sensitive
 * (fnmatchcase, which is what fnmatch does on POSIX).
 */

/** Whether `s` contains a wildcard (glob.has_magic). */
export function hasMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Compiles a pattern into an anchored RegExp, a port of fnmatch.translate. */
export function fnmatchToRegExp(pattern: string): RegExp {
  const pat = Array.from(pattern);
  let out = '';
  let i = 0;
  let star = false;
  while (i < pat.length) {
    const c = pat[i++]!;
    // Consecutive stars are one star.
    if (c === '*') {
      if (!star) out += '.*';
      star = true;
      continue;
    }
    star = false;
    if (c === '?') {
      out += '.';
    } else if (c === '[') {
      // A ']' right after '[' or '[!' belongs to the set; an unclosed '[' is a literal.
      let j = i;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) {
        out += '\\[';
      } else {
        out += bracket(pat, i, j);
        i = j + 1;
      }
    } else {
      out += c.replace(/[\\^$.*+?()[\]{}|/]/, '\\$&');
    }
  }
  return new RegExp(`^(?:${out})$`, 'su');
}

/**
 * The set between pat[start] and the closing ']' at pat[end]. Ported from fnmatch.translate:
 * hyphens form ranges except first and last, a reversed range (`z-a`) is dropped, an empty
 * set never matches and `[!]`-style empty negation matches any character.
 */
function bracket(pat: string[], start: number, end: number): string {
  const negated = pat[start] === '!';
  const body = pat.slice(start, end);
  let chunks: string[][];
  if (!body.includes('-')) {
    chunks = [body];
  } else {
    chunks = [];
    let from = start;
    let k = negated ? start + 2 : start + 1;
    for (;;) {
      k = pat.indexOf('-', k);
      if (k < 0 || k >= end) break;
      chunks.push(pat.slice(from, k));
      from = k + 1;
      k += 3;
    }
    const last = pat.slice(from, end);
    if (last.length > 0) chunks.push(last);
    else chunks.at(-1)!.push('-');
    for (let n = chunks.length - 1; n > 0; n--) {
      const lo = chunks[n - 1]!.at(-1);
      const hi = chunks[n]![0];
      if (lo !== undefined && hi !== undefined && lo.codePointAt(0)! > hi.codePointAt(0)!) {
        chunks[n - 1] = [...chunks[n - 1]!.slice(0, -1), ...chunks[n]!.slice(1)];
        chunks.splice(n, 1);
      }
    }
  }
  const flat = chunks.flat();
  if (flat.length === 0) return '(?!)';
  if (negated && flat.length === 1) return '.';
  if (negated) chunks[0] = chunks[0]!.slice(1);
  const set = chunks.map((chunk) => chunk.map((ch) => ch.replace(/[\\\]\[^-]/, '\\$&')).join('')).join('-');
  return `[${negated ? '^' : ''}${set}]`;
}

/** fnmatch.fnmatchcase(name, pattern). Compile once with fnmatchToRegExp when matching many names. */
export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchToRegExp(pattern).test(name);
}

/**
 * Python's glob.glob(pattern) for a path pattern: wildcards may appear in any segment, a
 * segment's `*` and `?` do not match a leading '.' unless the segment pattern starts with '.',
 * matches keep the pattern's own spelling of the fixed parts, and unreadable directories give
 * no matches rather than an error. Matches are sorted within each directory.
 */
export function globSync(pattern: string): string[] {
  return [...iglob(pattern, false)];
}

function* iglob(pathname: string, dirOnly: boolean): Generator<string> {
  const [dirname, basename] = splitPath(pathname);
  if (!hasMagic(pathname)) {
    if (basename ? lexists(pathname) : isDir(dirname)) yield pathname;
    return;
  }
  const dirs = dirname !== pathname && hasMagic(dirname) ? iglob(dirname, true) : [dirname];
  for (const dir of dirs) {
    const names = hasMagic(basename) ? matchInDir(dir, basename, dirOnly) : fixedInDir(dir, basename);
    for (const name of names) yield joinPath(dir, name);
  }
}

function matchInDir(dir: string, pattern: string, dirOnly: boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir || '.').sort();
  } catch {
    return [];
  }
  const re = fnmatchToRegExp(pattern);
  const hiddenOk = pattern.startsWith('.');
  return names.filter(
    (name) => (hiddenOk || !name.startsWith('.')) && re.test(name) && (!dirOnly || isDir(joinPath(dir || '.', name))),
  );
}

function fixedInDir(dir: string, basename: string): string[] {
  if (basename) return lexists(joinPath(dir || '.', basename)) ? [basename] : [];
  return isDir(dir || '.') ? [basename] : [];
}

/** os.path.split: the head loses its trailing slashes unless it is only slashes. */
function splitPath(p: string): [string, string] {
  const cut = p.lastIndexOf('/') + 1;
  let head = p.slice(0, cut);
  if (head && !/^\/+$/.test(head)) head = head.replace(/\/+$/, '');
  return [head, p.slice(cut)];
}

/** os.path.join for a relative second part. */
function joinPath(dir: string, name: string): string {
  if (!dir) return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Follows symlinks, as os.path.isdir and DirEntry.is_dir do. */
function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

import type { ConfigDiagnostic } from './config-diagnostic.js';
import { pyRepr } from './python-repr.js';

/**
 * An INI reader with the semantics of Python's RawConfigParser as supervisord configures it
 * (inline_comment_prefixes=(';', '#'), strict=False), that also keeps where every section and
 * key was written. Several files can be read into one document, as supervisord reads [include]
 * files into the same parser: a later file can add keys to an earlier section or override them.
 */

/** A key's value and the place of its (last) assignment. */
export interface IniEntry {
  value: string;
  file: string;
  line: number;
}

export interface IniSection {
  /** Case-sensitive, as written between the brackets. */
  name: string;
  /** Where the section header first appeared. */
  file: string;
  line: number;
  /** Lower-cased keys in first-appearance order. */
  entries: Map<string, IniEntry>;
}

export interface IniDocument {
  /** Sections in first-appearance order. [DEFAULT] is kept apart, in `defaults`. */
  sections: Map<string, IniSection>;
  /** Python's DEFAULT section: its keys apply to every section that does not set them. */
  defaults: Map<string, IniEntry>;
}

export function createIniDocument(): IniDocument {
  return { sections: new Map(), defaults: new Map() };
}

/** Looks a key up in a section, falling back to [DEFAULT] as RawConfigParser.get does. */
export function getEntry(doc: IniDocument, section: IniSection, key: string): IniEntry | undefined {
  return section.entries.get(key) ?? doc.defaults.get(key);
}

const COMMENT_PREFIXES = ['#', ';'];
const INLINE_COMMENT_PREFIXES = [';', '#'];
const DEFAULT_SECTION = 'DEFAULT';

/**
 * Where an inline comment starts, ported from configparser._read: a prefix counts only at the
 * start of the line or after whitespace. Python searches all prefixes in rounds and stops at the
 * first round that finds a valid one, so `a=x#y #z ;c` keeps `x#y #z` (the `;` is found in the
 * first round, the second `#` only in the second); this is reproduced on purpose.
 */
function inlineCommentStart(line: string): number | null {
  let start = Infinity;
  let pending = new Map(INLINE_COMMENT_PREFIXES.map((p) => [p, -1]));
  while (start === Infinity && pending.size > 0) {
    const next = new Map<string, number>();
    for (const [prefix, from] of pending) {
      const index = line.indexOf(prefix, from + 1);
      if (index === -1) continue;
      next.set(prefix, index);
      if (index === 0 || /\s/.test(line[index - 1]!)) start = Math.min(start, index);
    }
    pending = next;
  }
  return start === Infinity ? null : start;
}

/**
 * Reads `text` (the content of `file`) into `doc`. Problems are returned as located errors and
 * warnings; reading goes on after a bad line so that every bad line is reported at once.
 */
export function readIni(doc: IniDocument, text: string, file: string): { errors: ConfigDiagnostic[]; warnings: ConfigDiagnostic[] } {
  const errors: ConfigDiagnostic[] = [];
  const warnings: ConfigDiagnostic[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();

  let current: Map<string, IniEntry> | null = null;
  let sectionName: string | undefined;
  // After a broken header, or before the first header, key lines belong to no section; the
  // problem is reported once and those lines are skipped until the next good header.
  let skipping = false;
  // The value being built: continuation lines are appended until a line is not indented deeper.
  let open: { parts: string[]; entry: IniEntry } | null = null;
  let indentLevel = 0;

  const closeValue = (): void => {
    if (open) open.entry.value = open.parts.join('\n').trimEnd();
    open = null;
  };

  lines.forEach((line, index) => {
    const lineNo = index + 1;
    let commentStart = inlineCommentStart(line);
    if (COMMENT_PREFIXES.some((p) => line.trim().startsWith(p))) commentStart = 0;
    const content = (commentStart === null ? line : line.slice(0, commentStart)).trim();

    if (content === '') {
      // An empty line (not a comment) inside a value becomes an empty line of the value.
      if (commentStart === null && open) open.parts.push('');
      return;
    }
    const indent = line.search(/\S/);
    if (open && indent > indentLevel) {
      open.parts.push(content);
      return;
    }
    closeValue();
    indentLevel = indent;
    const at = (message: string): ConfigDiagnostic => ({
      file,
      line: lineNo,
      ...(sectionName !== undefined ? { section: sectionName } : {}),
      message,
    });

    if (content.startsWith('[')) {
      // Python's header pattern is greedy: the name runs to the last ']'.
      const close = content.lastIndexOf(']');
      const name = close === -1 ? '' : content.slice(1, close);
      if (name === '') {
        sectionName = undefined;
        current = null;
        skipping = true;
        errors.push(at(close === -1 ? `section header is missing its closing ']': ${pyRepr(content)}` : `empty section name: ${pyRepr(content)}`));
        return;
      }
      sectionName = name;
      skipping = false;
      if (close < content.length - 1) warnings.push(at(`text after the section header is ignored: ${pyRepr(content.slice(close + 1))}`));
      if (name === DEFAULT_SECTION) {
        current = doc.defaults;
      } else {
        let section = doc.sections.get(name);
        if (!section) {
          section = { name, file, line: lineNo, entries: new Map() };
          doc.sections.set(name, section);
        }
        current = section.entries;
      }
      return;
    }

    if (current === null) {
      if (!skipping) errors.push(at(`line before any [section] header: ${pyRepr(content)}`));
      skipping = true;
      return;
    }
    const delimiter = content.search(/[=:]/);
    if (delimiter === -1) {
      errors.push(at(`expected 'key = value' or 'key: value', got ${pyRepr(content)}`));
      return;
    }
    const key = content.slice(0, delimiter).trimEnd().toLowerCase();
    if (key === '') {
      errors.push(at(`no key before the '${content[delimiter]}': ${pyRepr(content)}`));
      return;
    }
    const entry: IniEntry = { value: '', file, line: lineNo };
    // A later assignment replaces the earlier one but keeps its position in the section.
    current.set(key, entry);
    open = { parts: [content.slice(delimiter + 1).trim()], entry };
  });
  closeValue();
  return { errors, warnings };
}

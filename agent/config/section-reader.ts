import { dirname } from 'node:path';
import type { Accounts } from './accounts.js';
import type { Diagnostics } from './diagnostics.js';
import { ConfigValueError } from './errors.js';
import { expand, type ExpansionValue } from './expand.js';
import { getEntry, type IniDocument, type IniEntry, type IniSection } from '../../common/ini.js';
import type { PathContext } from './paths.js';
import type { ConfigLocation } from './types.js';

/** Everything the section readers share during one load. */
export interface LoadContext extends PathContext {
  doc: IniDocument;
  diags: Diagnostics;
  accounts: Accounts;
  /** %(host_node_name)s. */
  hostname: string;
  /** The environment the config is read with (LoadOptions.env). */
  env: Record<string, string | undefined>;
  /**
   * `ENV_X` expansion names: the agent's environment, then (once [supervisord] is read) its
   * environment= keys, which win.
   */
  envNames: Map<string, string>;
}

export type Names = ReadonlyMap<string, ExpansionValue>;

export interface ReadOptions {
  /** Names available to this option; the reader's own names when absent. */
  names?: Names;
  /** How the option is named in expansion errors; `section.key` when absent (supervisord's saneget). */
  expandAs?: string;
  /** false: the raw text, for options expanded later (per process). */
  expand?: boolean;
}

/**
 * Reads the keys of one section: finds the entry (falling back to [DEFAULT]), expands it with
 * `here` set to the directory of the file that holds it, converts it, and on failure reports a
 * diagnostic at the key's file and line and returns the fallback so reading can go on. The
 * load fails as a whole when any error was reported, so fallbacks never reach a Config.
 */
export class SectionReader {
  constructor(
    readonly ctx: LoadContext,
    readonly section: IniSection,
    /** The names every option of this section may use, `here` aside. */
    readonly names: Names,
  ) {}

  get name(): string {
    return this.section.name;
  }

  entry(key: string): IniEntry | undefined {
    return getEntry(this.ctx.doc, this.section, key);
  }

  has(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  /** The key's location when it is set, else the section header's. */
  location(key?: string): ConfigLocation {
    const entry = key === undefined ? undefined : this.entry(key);
    const at: ConfigLocation = entry
      ? { file: entry.file, line: entry.line, section: this.section.name }
      : { file: this.section.file, line: this.section.line, section: this.section.name };
    if (entry && key !== undefined) at.key = key;
    return at;
  }

  error(key: string | undefined, message: string): void {
    this.ctx.diags.error(this.location(key), message);
  }

  warn(key: string | undefined, message: string): void {
    this.ctx.diags.warn(this.location(key), message);
  }

  /** The option's text after expansion, or null when it is not set (or cannot be expanded). */
  text(key: string, options: ReadOptions = {}): string | null {
    const entry = this.entry(key);
    if (!entry) return null;
    if (options.expand === false) return entry.value;
    try {
      return this.expandText(entry.value, entry, options.names ?? this.names, options.expandAs ?? `${this.name}.${key}`);
    } catch (err) {
      this.report(key, err);
      return null;
    }
  }

  /** Expands `value` as if it were written where `key` is (for options expanded per process). */
  expandAs(key: string, value: string, names: Names, expandAs: string): string | null {
    const entry = this.entry(key);
    try {
      return this.expandText(value, entry, names, expandAs);
    } catch (err) {
      this.report(key, err);
      return null;
    }
  }

  /** Reads, expands and converts `key`; the fallback when it is unset or invalid. */
  read<T>(key: string, fallback: T, convert: (value: string) => T, options: ReadOptions = {}): T {
    const value = this.text(key, options);
    if (value === null) return fallback;
    return this.convert(key, value, fallback, convert);
  }

  /** Runs a converter on a value of `key`, reporting its ConfigValueError at the key. */
  convert<T>(key: string, value: string, fallback: T, convert: (value: string) => T): T {
    try {
      return convert(value);
    } catch (err) {
      this.report(key, err);
      return fallback;
    }
  }

  /** Warns about every key this section does not know, at the key's own line. */
  warnUnknownKeys(known: ReadonlySet<string>): void {
    for (const [key, entry] of this.section.entries) {
      if (!known.has(key)) {
        this.ctx.diags.warn({ file: entry.file, line: entry.line, section: this.name, key }, 'unknown key, ignored');
      }
    }
  }

  private expandText(value: string, entry: IniEntry | undefined, names: Names, expandAs: string): string {
    const withHere = new Map(names);
    withHere.set('here', dirname(entry?.file ?? this.section.file));
    return expand(value, withHere, expandAs);
  }

  private report(key: string, err: unknown): void {
    if (!(err instanceof ConfigValueError)) throw err;
    this.error(key, err.message);
  }
}

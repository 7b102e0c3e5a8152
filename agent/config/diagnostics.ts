import type { ConfigDiagnostic, ConfigLocation } from './types.js';

/**
 * Collects every error and warning of one load, so that all problems are reported at once.
 * The same problem found again (a per-process option checked once per process_num, a program
 * that belongs to two groups) is kept once.
 */
export class Diagnostics {
  readonly errors: ConfigDiagnostic[] = [];
  readonly warnings: ConfigDiagnostic[] = [];
  private readonly seen = new Set<string>();

  error(at: ConfigLocation, message: string): void {
    this.add(this.errors, at, message);
  }

  warn(at: ConfigLocation, message: string): void {
    this.add(this.warnings, at, message);
  }

  addAll(errors: ConfigDiagnostic[], warnings: ConfigDiagnostic[]): void {
    for (const d of errors) this.error(d, d.message);
    for (const d of warnings) this.warn(d, d.message);
  }

  private add(list: ConfigDiagnostic[], at: ConfigLocation, message: string): void {
    const d: ConfigDiagnostic = { file: at.file, line: at.line, message };
    if (at.section !== undefined) d.section = at.section;
    if (at.key !== undefined) d.key = at.key;
    const id = JSON.stringify([list === this.errors, d.file, d.line, d.section, d.key, d.message]);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    list.push(d);
  }
}

/** `<file>:<line>: [<section>] <key>: <message>`, leaving out the parts a diagnostic does not have. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  let out = d.file ? `${d.file}:` : '';
  if (d.line > 0) out += `${d.line}:`;
  if (out) out += ' ';
  if (d.section !== undefined) out += `[${d.section}] `;
  if (d.key !== undefined) out += `${d.key}: `;
  return out + d.message;
}

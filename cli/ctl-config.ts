/**
 * The [supervisorctl] section of a supervisord.conf, read as supervisor.options.ClientOptions
 * reads it: only that file (no [include]), `%(ENV_X)s` expansions everywhere, `%(here)s` in
 * serverurl and history_file, a `unix://` serverurl made absolute. A file without the section
 * is an error, as it is for supervisorctl.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { configSearchPaths } from '../agent/config/find.js';
import { createIniDocument, getEntry, readIni } from '../common/ini.js';
import { expand } from '../agent/config/expand.js';
import { expandUser } from '../agent/config/paths.js';

export interface CtlConfig {
  serverurl: string;
  username: string | null;
  password: string | null;
  prompt: string;
  historyFile: string | null;
}

export interface CtlConfigContext {
  cwd: string;
  exeDir: string;
  env: Record<string, string | undefined>;
  home: string;
  /** Whether a search-list path exists; fs.existsSync unless a test narrows the list. */
  exists?: (path: string) => boolean;
}

/** The first file of supervisord's search list that exists, or null (then no file is read). */
export function findCtlConfig(ctx: CtlConfigContext): string | null {
  return configSearchPaths({ exeDir: ctx.exeDir, cwd: ctx.cwd }).find(ctx.exists ?? existsSync) ?? null;
}

/** The sections supervisorctl reads values from ([DEFAULT] fills in missing keys). */
const CTL_SECTIONS: ReadonlySet<string> = new Set(['supervisorctl', 'DEFAULT']);

/**
 * The lines of `text` that belong to the named sections, the others blanked (so line numbers
 * stay right) and those after the last kept line dropped. A header is a line that starts with
 * `[`: unindented, it can never continue a value. With a thousand programs in the file this
 * saves most of the parse (fleetctl's start-up counts: the parser still walks every blank
 * line), and a broken line in a [program:x] section is the agent's to report.
 */
export function onlySections(text: string, names: ReadonlySet<string>): string {
  const lines = text.split('\n');
  let keep = false;
  let end = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('[')) {
      const header = line.replace(/\s[;#].*$/su, '').trimEnd();
      const close = header.lastIndexOf(']');
      keep = close > 0 && names.has(header.slice(1, close));
    }
    if (keep) end = i + 1;
    else lines[i] = '';
  }
  return lines.slice(0, end).join('\n');
}

export function readCtlConfig(
  file: string,
  ctx: CtlConfigContext,
): { ok: true; config: CtlConfig } | { ok: false; message: string } {
  const path = resolve(ctx.cwd, expandUser(file, ctx.home));
  if (!existsSync(path)) return { ok: false, message: `could not find config file ${file}` };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { ok: false, message: `could not read config file ${file}` };
  }
  const doc = createIniDocument();
  const { errors } = readIni(doc, onlySections(text, CTL_SECTIONS), path);
  if (errors.length > 0) {
    const e = errors[0]!;
    return { ok: false, message: `${e.file}:${e.line}: ${e.message}` };
  }
  const section = doc.sections.get('supervisorctl');
  if (!section) return { ok: false, message: '.ini file does not include supervisorctl section' };

  const envNames = new Map<string, string>();
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) envNames.set(`ENV_${k}`, v);
  const withHere = new Map<string, string>(envNames).set('here', dirname(path));
  const get = (key: string, names: ReadonlyMap<string, string>): string | null => {
    const entry = getEntry(doc, section, key);
    return entry === undefined ? null : expand(entry.value, names, `supervisorctl.${key}`);
  };
  const normalize = (p: string): string => resolve(ctx.cwd, expandUser(p, ctx.home));
  try {
    let serverurl = get('serverurl', withHere) ?? 'http://localhost:9001';
    if (serverurl.startsWith('unix://')) serverurl = `unix://${normalize(serverurl.slice(7))}`;
    const history = get('history_file', withHere);
    return {
      ok: true,
      config: {
        serverurl,
        prompt: get('prompt', envNames) ?? 'supervisor',
        username: get('username', envNames),
        password: get('password', envNames),
        historyFile: history ? normalize(history) : null,
      },
    };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

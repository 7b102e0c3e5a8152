import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { globSync } from '../../common/glob.js';
import { readIni } from '../../common/ini.js';
import { SectionReader, type LoadContext } from './section-reader.js';

const INCLUDE_KEYS: ReadonlySet<string> = new Set(['files']);

/**
 * Reads the main file and the files its [include] section names into ctx.doc, as supervisord
 * reads them into one parser: `files` holds space- or newline-separated globs relative to the
 * main file's directory, each glob's matches are read in sorted order, and included files cannot
 * include further. Returns every file read, the main one first; none when the main file cannot
 * be read.
 */
export function readConfigFiles(ctx: LoadContext, mainFile: string): string[] {
  if (!readOne(ctx, mainFile, true)) return [];
  const files = [mainFile];
  const include = ctx.doc.sections.get('include');
  if (!include) return files;

  // [include] files may use here, host_node_name and the agent's ENV_X.
  const r = new SectionReader(ctx, include, new Map([...ctx.envNames, ['host_node_name', ctx.hostname]]));
  r.warnUnknownKeys(INCLUDE_KEYS);
  if (!r.has('files')) {
    r.error(undefined, '.ini file has [include] section, but no files setting');
    return files;
  }
  const base = dirname(mainFile);
  const patterns = (r.text('files') ?? '').split(/\s+/).filter((p) => p !== '');
  for (const pattern of patterns) {
    // os.path.join(base, pattern): an absolute pattern stays as it is, nothing is normalised.
    const full = pattern.startsWith('/') ? pattern : `${base === '/' ? '' : base}/${pattern}`;
    const matches = globSync(full).sort();
    if (matches.length === 0) r.warn('files', `No file matches via include "${full}"`);
    for (const file of matches) {
      if (!readOne(ctx, file, false)) continue;
      if (!files.includes(file)) files.push(file);
      const nested = [...(ctx.doc.sections.get('include')?.entries ?? [])].find(([, e]) => e.file === file);
      if (nested) {
        ctx.diags.warn(
          { file, line: nested[1].line, section: 'include', key: nested[0] },
          'included files cannot include further files; this [include] is ignored',
        );
      }
    }
  }
  return files;
}

/**
 * Reads one file into the document. The main file must be readable (supervisord's texts);
 * an included match that cannot be read, such as a directory, is a warning (supervisord skips
 * it without a word).
 */
function readOne(ctx: LoadContext, file: string, main: boolean): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (main) {
      ctx.diags.error({ file, line: 0 }, code === 'ENOENT' ? `could not find config file ${file}` : `could not read config file ${file}`);
    } else {
      ctx.diags.warn({ file, line: 0 }, `could not read included file ${file} (${code ?? 'error'}); it is skipped`);
    }
    return false;
  }
  const { errors, warnings } = readIni(ctx.doc, text, file);
  ctx.diags.addAll(errors, warnings);
  return true;
}

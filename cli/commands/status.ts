import { STOPPED_STATES } from '../../common/process-state.js';
import type { ProcessInfo } from '../../common/process-info.js';
import { Exit, StatusExit } from '../exit-codes.js';
import { messagesWriter, writeJson } from '../json.js';
import { makeNamespec, splitNamespec } from '../names.js';
import { wordsWithOutput, type Command } from './command.js';

/** Length in code points, as Python's len(): a surrogate pair counts once. */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) length--;
  }
  return length;
}

/**
 * The longest of `texts` in code points, and at least `least` (no spread: listings can be long).
 * A text is never longer in code points than in UTF-16 units, so only those whose unit length
 * beats the widest so far are counted.
 */
export function widestOf(texts: readonly string[], least: number): number {
  let widest = least;
  for (const text of texts) if (text.length > widest) widest = Math.max(widest, codePointLength(text));
  return widest;
}

/** Left-justifies by code points, as Python's `%-Ns`. */
export function ljust(text: string, width: number): string {
  const length = codePointLength(text);
  return length >= width ? text : text + ' '.repeat(width - length);
}

/**
 * supervisorctl's status lines: the namespec padded to max(30, longest)+3, the state padded to
 * 10, then the description (`pid 42, uptime 0:01:02`, `Not started`, a spawn error...).
 */
export function formatStatusLines(infos: readonly Pick<ProcessInfo, 'group' | 'name' | 'statename' | 'description'>[]): string[] {
  const names = infos.map((i) => makeNamespec(i.group, i.name));
  const width = widestOf(names, 30) + 3;
  return infos.map((info, i) => `${ljust(names[i]!, width)}${ljust(info.statename, 10)}${info.description}`);
}

export interface StatusSelection {
  infos: ProcessInfo[];
  /** In the order met: `name: ERROR (no such process)` or `group: ERROR (no such group)`. */
  errors: Array<{ name: string; error: 'no such process' | 'no such group' }>;
}

/** Which processes `status <names>` lists; no names or `all` lists everything. Names repeat as given. */
export function selectStatuses(all: readonly ProcessInfo[], names: readonly string[]): StatusSelection {
  if (names.length === 0 || names.includes('all')) return { infos: [...all], errors: [] };
  const infos: ProcessInfo[] = [];
  const errors: StatusSelection['errors'] = [];
  for (const word of names) {
    const spec = splitNamespec(word);
    const found = all.filter((i) => i.group === spec.group && (spec.process === null || i.name === spec.process));
    infos.push(...found);
    if (found.length === 0) {
      errors.push(spec.process === null ? { name: spec.group, error: 'no such group' } : { name: word, error: 'no such process' });
    }
  }
  return { infos, errors };
}

/** status exits 4 for an unknown name, then 3 if anything listed is stopped (the later rule wins). */
export function statusExitCode(selection: StatusSelection): number {
  let code = selection.errors.length > 0 ? StatusExit.UNKNOWN : 0;
  if (selection.infos.some((i) => STOPPED_STATES.has(i.statename))) code = StatusExit.NOT_RUNNING;
  return code;
}

/** One process in `status -o json` (cluster mode adds the host and the address). */
export function processJson(i: ProcessInfo): Record<string, string | number> {
  return {
    name: i.name,
    group: i.group,
    namespec: makeNamespec(i.group, i.name),
    state: i.statename,
    statecode: i.state,
    description: i.description,
    pid: i.pid,
    start: i.start,
    stop: i.stop,
    now: i.now,
    exitstatus: i.exitstatus,
    spawnerr: i.spawnerr,
    stdout_logfile: i.stdoutLogfile,
    stderr_logfile: i.stderrLogfile,
  };
}

export function statusJson(selection: StatusSelection): object {
  return {
    processes: selection.infos.map(processJson),
    errors: selection.errors,
  };
}

export const status: Command = {
  name: 'status',
  help:
    'status <name>\t\tGet status for a single process\n' +
    'status <gname>:*\tGet status for all processes in a group\n' +
    'status <name> <name>\tGet status for multiple named processes\n' +
    'status\t\t\tGet all process status info\n',
  async run(ctx, arg) {
    const flag = wordsWithOutput(ctx, arg);
    if (!flag) return Exit.INVALID_ARGS;
    const messages = messagesWriter(ctx.io, flag.format);
    if ((await ctx.session.upcheck(messages, ctx.signal)) !== null) return StatusExit.UNKNOWN;
    const all = await (await ctx.session.client()).listProcesses(ctx.signal);
    const selection = selectStatuses(all, flag.words);
    if (flag.format === 'json') {
      writeJson(ctx.io, statusJson(selection));
    } else {
      // One write for the whole table: with a thousand processes, a write per line costs several ms.
      const lines = [...selection.errors.map((e) => `${e.name}: ERROR (${e.error})`), ...formatStatusLines(selection.infos)];
      if (lines.length > 0) ctx.io.out(`${lines.join('\n')}\n`);
    }
    return statusExitCode(selection);
  },
};

/**
 * The loop start, stop, signal and clear share, as supervisorctl writes it four times: `all`
 * anywhere among the words acts on everything; otherwise each word in turn, a group (`g:*`,
 * `g:`) or one process. One line per process result, and the exit code from the fault table.
 */
import { isFleetError, type ErrorCode } from '../../common/errors.js';
import type { ProcessResult } from '../../common/process-info.js';
import type { ProcessTarget } from '../client/agent-client.js';
import { exitForFault } from '../exit-codes.js';
import { splitNamespec, type Namespec } from '../names.js';
import { isFault } from '../session.js';
import { say, type CommandContext } from './command.js';

export interface EachProcessPlan {
  /** The agent call for one target. */
  call(target: ProcessTarget): Promise<ProcessResult[]>;
  /** The line for one result (throws UnknownResultCode for a code it has no text for). */
  render(result: ProcessResult): string;
  /** The fault that does not change the exit code (ALREADY_STARTED for start). */
  ignored?: ErrorCode;
  /** The exit code for an unknown group (start says 2, the others 1). */
  noSuchGroupExit: number;
  /**
   * How a single-process word that names a group is handled: supervisorctl sends `g:*` to the
   * agent as a process name for clear, which answers BAD_NAME for the process `None`.
   */
  groupAsProcess?: boolean;
}

export async function eachProcess(ctx: CommandContext, words: readonly string[], plan: EachProcessPlan): Promise<number> {
  let code = 0;
  const report = (results: readonly ProcessResult[]): void => {
    for (const result of results) {
      say(ctx, plan.render(result));
      code = exitForFault(code, result.code, plan.ignored);
    }
  };
  if (words.includes('all')) {
    report(await plan.call({ all: true }));
    return code;
  }
  for (const word of words) {
    const spec = splitNamespec(word);
    if (spec.process === null && !plan.groupAsProcess) {
      try {
        report(await plan.call({ group: spec.group }));
      } catch (err) {
        if (!isFleetError(err, 'BAD_NAME')) throw err;
        say(ctx, `${spec.group}: ERROR (no such group)`);
        code = plan.noSuchGroupExit;
      }
    } else {
      report(await callOne(spec, plan));
    }
  }
  return code;
}

/** One process: a fault becomes a result for that name, as supervisorctl builds one from the Fault. */
async function callOne(spec: Namespec, plan: EachProcessPlan): Promise<ProcessResult[]> {
  const name = spec.process ?? 'None';
  if (spec.process === null) return [{ group: spec.group, name, code: 'BAD_NAME', description: `BAD_NAME: ${spec.raw}` }];
  try {
    return await plan.call({ process: { group: spec.group, name } });
  } catch (err) {
    if (!isFault(err)) throw err;
    return [{ group: spec.group, name, code: err.code, description: err.faultString }];
  }
}

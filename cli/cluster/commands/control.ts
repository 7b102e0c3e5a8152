/**
 * start, stop, restart and signal through the controller: one Control call fanned out to the
 * hosts in parallel, one line per process as results arrive (`web-1/api: started`,
 * `web-1/api: ERROR (spawn error)`), one line per host that could not take part
 * (`web-2: ERROR (host unreachable: ...)`), in supervisorctl's words. The exit status follows
 * the fault table as supervisorctl's does: the fault of the last failure in arrival order, 0
 * when everything succeeded or failed only as the command tolerates (start: already started,
 * stop: not running).
 */
import { formatAddress } from '../../../common/address.js';
import type { ErrorCode } from '../../../common/errors.js';
import type { ProcessResult } from '../../../common/process-info.js';
import type { ControlAction, ControlOutcome } from '../../client/controller-client.js';
import { makeNamespec } from '../../names.js';
import { exitForFault } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { START_ERRORS } from '../../commands/start.js';
import { SIGNAL_ERRORS } from '../../commands/stop.js';
import { exitForHostError, hostErrorJson, hostErrorLine } from '../host-errors.js';
import { checkAddresses, line, UsageError, type ClusterCommand, type ClusterContext } from './command.js';

/** What each action prints for a success, and which fault leaves the exit status alone. */
const ACTIONS: Record<ControlAction, { success: string; words: Partial<Record<ProcessResult['code'], string>>; ignored: ReadonlySet<ErrorCode> }> = {
  start: { success: 'started', words: START_ERRORS, ignored: new Set(['ALREADY_STARTED']) },
  stop: { success: 'stopped', words: SIGNAL_ERRORS, ignored: new Set(['NOT_RUNNING']) },
  restart: { success: 'restarted', words: { ...SIGNAL_ERRORS, ...START_ERRORS }, ignored: new Set(['ALREADY_STARTED']) },
  signal: { success: 'signalled', words: SIGNAL_ERRORS, ignored: new Set() },
};

/** `web-1/api: started`, `web-1/api: ERROR (spawn error)`; a fault without words shows its fault string. */
export function controlResultLine(action: ControlAction, host: string, result: ProcessResult): string {
  const address = formatAddress(host, result.group, result.name);
  if (result.code === 'SUCCESS') return `${address}: ${ACTIONS[action].success}`;
  return `${address}: ERROR (${ACTIONS[action].words[result.code] ?? (result.description || result.code)})`;
}

/** The line for either kind of outcome. */
export function controlOutcomeLine(action: ControlAction, outcome: ControlOutcome): string {
  return outcome.kind === 'result' ? controlResultLine(action, outcome.host, outcome.result) : hostErrorLine(outcome.error);
}

/** The exit status after one outcome. */
export function exitAfter(action: ControlAction, current: number, outcome: ControlOutcome): number {
  if (outcome.kind === 'host-error') return exitForHostError(current, outcome.error);
  const code = outcome.result.code;
  return ACTIONS[action].ignored.has(code as ErrorCode) ? current : exitForFault(current, code);
}

function controlCommand(action: ControlAction, synopsis: string, summary: string, help: string): ClusterCommand {
  return {
    name: action,
    synopsis,
    summary,
    help,
    flags: action === 'signal' ? [] : [{ long: 'no-wait' }],
    async run(ctx, args) {
      const words = [...args.positional];
      const signal = action === 'signal' ? words.shift() : undefined;
      if (action === 'signal' && signal === undefined) throw new UsageError('signal requires a signal name and an address');
      if (words.length === 0) throw new UsageError(`${action} requires an address (name, group:*, host/name or all)`);
      const addresses = checkAddresses(words);
      const client = await ctx.session.client();
      const outcomes = client.control({ scope: args.scope, addresses, action, signal, wait: args.flags.get('no-wait') !== true }, ctx.signal);
      return args.format === 'json' ? collectJson(ctx, action, outcomes) : streamLines(ctx, action, outcomes);
    },
  };
}

async function streamLines(ctx: ClusterContext, action: ControlAction, outcomes: AsyncIterable<ControlOutcome>): Promise<number> {
  let code = 0;
  for await (const outcome of outcomes) {
    line(ctx, controlOutcomeLine(action, outcome));
    code = exitAfter(action, code, outcome);
  }
  return code;
}

async function collectJson(ctx: ClusterContext, action: ControlAction, outcomes: AsyncIterable<ControlOutcome>): Promise<number> {
  let code = 0;
  const results: object[] = [];
  const errors: ReturnType<typeof hostErrorJson>[] = [];
  for await (const outcome of outcomes) {
    code = exitAfter(action, code, outcome);
    if (outcome.kind === 'host-error') {
      errors.push(hostErrorJson(outcome.error));
      continue;
    }
    const { host, result } = outcome;
    results.push({
      host,
      address: formatAddress(host, result.group, result.name),
      name: result.name,
      group: result.group,
      namespec: makeNamespec(result.group, result.name),
      result: result.code === 'SUCCESS' ? ACTIONS[action].success : 'error',
      fault: result.code === 'SUCCESS' ? null : result.code,
      description: result.description,
    });
  }
  writeJson(ctx.io, { results, errors });
  return code;
}

const SCOPE_HELP = `  -A, --all-hosts      every host
  --host HOST          the host an address without host/ acts on
  --hosts K=V[,...]    the hosts with these labels
  -o json              one JSON document once every host has answered`;

const WAIT_HELP = '  --no-wait            do not wait for the processes to be started or stopped';

const EXITS = `Exit codes as supervisorctl's: 0 when every process succeeded; otherwise the last failure's:
7 spawn error, abnormal termination, not running; 1 no such process, bad signal, unknown host;
4 a host that is down, or no controller; 2 bad arguments.`;

export const start = controlCommand(
  'start',
  'start ADDR...',
  'start processes, on every host in parallel',
  `start ADDR... [-A|--host HOST|--hosts K=V] [--no-wait] [-o json]
Starts the processes on their hosts in parallel and prints one line per process as each host
answers (host/name: started, host/name: ERROR (spawn error)), and one per host that is down
(host: ERROR (host unreachable: ...)), at once and without waiting for it.

${SCOPE_HELP}
${WAIT_HELP}

Examples:
  fleetctl start web                       the program web on the current host
  fleetctl start -A 'web:*'                the group web on every host
  fleetctl start 'db-*/worker:*' web-1/all

${EXITS} Already started is not a failure.
`,
);

export const stop = controlCommand(
  'stop',
  'stop ADDR...',
  'stop processes',
  `stop ADDR... [-A|--host HOST|--hosts K=V] [--no-wait] [-o json]
Stops the processes on their hosts in parallel: one line per process (host/name: stopped),
one per host that is down.

${SCOPE_HELP}
${WAIT_HELP}

Examples:
  fleetctl stop -A worker
  fleetctl stop --hosts role=batch all

${EXITS} Not running is not a failure.
`,
);

export const restart = controlCommand(
  'restart',
  'restart ADDR...',
  'stop then start processes',
  `restart ADDR... [-A|--host HOST|--hosts K=V] [--no-wait] [-o json]
Stops then starts the processes, each host on its own, all hosts in parallel: one line per
process (host/name: restarted, or the error that kept it from starting). Does not reread the
configuration (see reread and update).

${SCOPE_HELP}
${WAIT_HELP}

Examples:
  fleetctl restart -A 'web:*'
  fleetctl restart web-1/api web-2/api

${EXITS}
`,
);

export const signal = controlCommand(
  'signal',
  'signal SIG ADDR...',
  'send a signal to processes',
  `signal SIG ADDR... [-A|--host HOST|--hosts K=V] [-o json]
Sends SIG (HUP, SIGUSR1, 15...) to the processes: one line per process (host/name: signalled).

${SCOPE_HELP}

Examples:
  fleetctl signal HUP -A 'nginx:*'
  fleetctl signal USR2 web-1/app

${EXITS}
`,
);

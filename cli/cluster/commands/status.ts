import { isFleetError } from '../../../common/errors.js';
import type { HostScope } from '../../../common/address.js';
import type { ControllerClient } from '../../client/controller-client.js';
import { Exit } from '../../exit-codes.js';
import { writeJson } from '../../json.js';
import { describeScope } from '../scope.js';
import { LineChunks } from '../line-chunks.js';
import { statusExitCode, statusJson, statusLines, statusNotes, statusText } from '../status-view.js';
import { formatLocalTime } from '../times.js';
import { checkAddresses, note, type ClusterCommand, type ClusterContext, type CommandArgs } from './command.js';

/** How often `status --watch` redraws without events. */
export const WATCH_INTERVAL_MS = 2000;
/** After an event, how long to wait for more before redrawing (a restart is several transitions). */
const EVENT_SETTLE_MS = 100;
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

export const status: ClusterCommand = {
  name: 'status',
  synopsis: 'status [ADDR...] [-A] [--watch]',
  summary: 'processes and their states',
  help: `status [ADDR...] [-A|--host HOST|--hosts K=V] [--watch] [-o json]
Processes and their states, as supervisorctl's status prints them, with the host in the name
column (host/group:process), sorted by host then name. Without an address: every process in
scope (the current host unless -A, --host or --hosts says otherwise; host/ in an address wins).
A host that is not connected shows its processes with their last known state and a marker;
per-host errors and warnings go to stderr.

  -A, --all-hosts      every host
  --host HOST          the host an address without host/ acts on
  --hosts K=V[,...]    the hosts with these labels
  -w, --watch          redraw every 2 s, and at once when something changes, until Ctrl-C
  -o json              one JSON document (with --watch: one per line per redraw)

Examples:
  fleetctl status -A                       every host's processes
  fleetctl status 'web-*/api:*'            the api group on the web hosts
  fleetctl status --hosts role=db --watch
  fleetctl status -A -o json | jq -r '.processes[] | select(.state != "RUNNING") | .address'

Exit codes: 0 all running, 3 something listed is not running, 4 an unknown address or host,
a host that is not connected, or no controller.
`,
  flags: [{ long: 'watch', short: 'w' }],
  interruptible: true,
  async run(ctx, args) {
    const addresses = checkAddresses(args.positional);
    const client = await ctx.session.client();
    if (args.flags.get('watch') === true) return watch(ctx, args, client, addresses);
    const listing = await client.listProcesses(args.scope, addresses, ctx.signal);
    const now = ctx.now();
    if (args.format === 'json') {
      writeJson(ctx.io, statusJson(listing, now));
    } else {
      for (const n of statusNotes(listing, now)) note(ctx, n);
      const table = new LineChunks();
      statusLines(listing, now, (line) => table.add(line));
      // One write for the whole table: with thousands of processes, a write per line shows.
      const bytes = table.bytes();
      if (bytes.length > 0) ctx.io.out(bytes);
    }
    return statusExitCode(listing);
  },
};

async function watch(ctx: ClusterContext, args: CommandArgs, client: ControllerClient, addresses: string[]): Promise<number> {
  const wakeup = new Wakeup();
  const stopEvents = new AbortController();
  const events = redrawOnEvents(client, args.scope, addresses, AbortSignal.any([ctx.signal, stopEvents.signal]), () => wakeup.fire());
  try {
    while (!ctx.signal.aborted) {
      const frame = await drawFrame(ctx, args, client, addresses);
      if (ctx.signal.aborted) break;
      ctx.io.out(frame);
      await wakeup.wait(WATCH_INTERVAL_MS, ctx.signal);
      if (wakeup.consume()) {
        // Let a burst (a restart is several transitions) arrive before the redraw.
        await new Wakeup().wait(EVENT_SETTLE_MS, ctx.signal);
        wakeup.consume();
      }
    }
  } finally {
    stopEvents.abort();
    await events;
  }
  return Exit.SUCCESS;
}

async function drawFrame(ctx: ClusterContext, args: CommandArgs, client: ControllerClient, addresses: string[]): Promise<string> {
  const now = ctx.now();
  let body: string;
  try {
    const listing = await client.listProcesses(args.scope, addresses, ctx.signal);
    if (args.format === 'json') return `${JSON.stringify(statusJson(listing, now))}\n`;
    const text = statusText(listing, now);
    body = [...text.lines, ...text.notes].map((l) => `${l}\n`).join('');
  } catch (err) {
    if (ctx.signal.aborted || !isFleetError(err, 'HOST_UNREACHABLE')) throw err;
    if (args.format === 'json') return `${JSON.stringify({ error: err.message })}\n`;
    body = `${err.message}; trying again every ${WATCH_INTERVAL_MS / 1000} s\n`;
  }
  const header = `Every ${WATCH_INTERVAL_MS / 1000} s: fleetctl status, ${describeScope(args.scope)}, via ${ctx.session.address}   ${formatLocalTime(now).slice(0, 19)}\n\n`;
  return ctx.tty ? `${CLEAR_SCREEN}${header}${body}` : `${header}${body}\n`;
}

/** Wakes the redraw loop on every live event; a stream that fails leaves the loop to its interval. */
async function redrawOnEvents(client: ControllerClient, scope: HostScope, addresses: string[], signal: AbortSignal, wake: () => void): Promise<void> {
  try {
    for await (const _entry of client.watchEvents({ scope, addresses }, signal)) wake();
  } catch {
    // The listing's own error says what is wrong with the controller.
  }
}

/** A wait that a timer, an abort, or fire() ends; a fire() while no one waits ends the next wait at once. */
class Wakeup {
  private fired = false;
  private resolve: (() => void) | null = null;

  fire(): void {
    this.fired = true;
    this.resolve?.();
  }

  /** Whether fire() was called since the last consume(); resets it. */
  consume(): boolean {
    const fired = this.fired;
    this.fired = false;
    return fired;
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.fired || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.resolve = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.resolve = done;
    });
  }
}

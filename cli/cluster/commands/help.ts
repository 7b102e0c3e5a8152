import { Exit } from '../../exit-codes.js';
import { describeScope } from '../scope.js';
import { line, note, type ClusterCommand } from './command.js';

export const ADDRESS_HELP = `Addresses: [host/]group:process, each part a glob (*, ?, [..]).
  name         the process name of the group name (a [program:name])
  group:*      the whole group (group: works too)
  all          everything in scope
  host/ADDR    ADDR on the hosts matching host, whatever the scope says (web-*/api:*)
Scope: an address without host/ acts on the current host: --host HOST, FLEET_HOST, else this
machine's name. -A/--all-hosts widens to every host; --hosts role=web,zone=eu-1 to the hosts
with these labels. Scope flags go before the command (for every command of a shell) or after it.`;

export const CLUSTER_JSON_HELP = `fleetctl -o json in cluster mode: every command takes it, before or after the command.
Exit codes are those of the text form; messages that are not results go to stderr. Keys are
snake_case; times of events are epoch ms (time_ms), process times epoch seconds as in local mode.
New keys may be added; existing ones keep their meaning.

status -o json    {"processes": [{"host", "address": "web-1/api:api_0", "name", "group", "namespec", "state",
                    "statecode", "description", "pid", "start", "stop", "now", "exitstatus", "spawnerr",
                    "stdout_logfile", "stderr_logfile", "host_state": "connected"}],
                   "hosts": [{"name", "state", "last_seen_ms"}], "errors": [{"host", "fault", "error"}]}
                  (--watch: one such document per line per redraw)
hosts -o json     {"hosts": [{"name", "state", "labels": {}, "version", "last_seen_ms", "connected_at_ms",
                    "peer", "last_seq", "counts": {"RUNNING": 3}}]}
start|stop|restart|signal -o json
                  {"results": [{"host", "address", "name", "group", "namespec", "result": "started"|"error",
                    "fault": null|"SPAWN_ERROR", "description"}], "errors": [{"host", "fault", "error"}]}
history -o json   {"entries": [{"kind": "transition"|"exit"|"gap"|"action", "time_ms", ...}]}
                    transition: host, address, group, name, seq, from, to, pid
                    exit: host, address, group, name, seq, pid, exit_status, signal, expected
                    gap: host, seq, from_seq, to_seq;  action: id, who, origin, action, addresses, hosts, result
events -o json    one entry per line, as history's, and {"kind": "liveness", "time_ms", "host", "state"}
logs -o json      one line of output per line: {"time_ms", "host", "address", "channel", "line"}
reread -o json    {"hosts": [{"host", "added": [], "changed": [], "removed": []}], "errors": [...]}
update -o json    {"hosts": [{"host", "updates": [{"group", "action", "result", "fault", "description",
                    "restarted": [], "added": [], "removed": []}]}], "errors": [...]}
token create -o json  {"token", "id", "name", "role", "scopes", "created_by", "created_at_ms", "expires_at_ms"}
token list -o json    {"tokens": [{"id", "name", "role", "scopes", "state", "created_by", "created_at_ms",
                        "expires_at_ms", "revoked_at_ms"}]}
audit -o json     {"entries": [{"id", "time_ms", "who", "token_id", "origin", "action", "addresses", "hosts", "result"}]}

Example:
fleetctl status -A -o json | jq -r '.processes[] | select(.state != "RUNNING") | .address'
`;

/** `help` in cluster mode: the commands with one line each, or one command's text with examples. */
export function clusterHelp(
  commands: () => Promise<readonly ClusterCommand[]>,
  find: (name: string) => Promise<ClusterCommand | undefined>,
): ClusterCommand {
  return {
    name: 'help',
    synopsis: '',
    summary: '',
    help: 'help [COMMAND]\nThe cluster commands, or what COMMAND does, its flags and examples.\n',
    flags: [],
    async run(ctx, args) {
      const topic = args.positional[0];
      if (topic === 'json') {
        ctx.io.out(CLUSTER_JSON_HELP);
        return Exit.SUCCESS;
      }
      if (topic === 'addresses' || topic === 'scope') {
        line(ctx, ADDRESS_HELP);
        return Exit.SUCCESS;
      }
      if (topic !== undefined) {
        // One command's module only: `help status` need not load the others.
        const found = await find(topic);
        const command = found?.help ? found : undefined;
        if (command) ctx.io.out(command.help);
        else note(ctx, `*** No help on ${topic}`);
        return command ? Exit.SUCCESS : Exit.INVALID_ARGS;
      }
      const all = await commands();
      const scope = ctx.session.scopeFor({});
      const shown = all.filter((c) => c.synopsis !== '');
      const width = Math.max(...shown.map((c) => c.synopsis.length)) + 3;
      const listed = shown.map((c) => `  ${c.synopsis.padEnd(width)}${c.summary}`);
      ctx.io.out(
        `fleetctl in cluster mode: through the controller at ${ctx.session.address}, ` +
          `acting on ${scope instanceof Error ? 'the scope given' : describeScope(scope)} unless told otherwise.\n\n` +
          `${listed.join('\n')}\n\n${ADDRESS_HELP}\n\n` +
          'Every command takes -A, --host, --hosts and -o json. Use "help <command>" for its flags and examples,\n' +
          '"help addresses" for addresses and scope, "help json" for the JSON shapes.\n',
      );
      return Exit.SUCCESS;
    },
  };
}

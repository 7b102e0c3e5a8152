import { Exit } from '../../exit-codes.js';
import { JSON_HELP } from '../../json.js';
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

/** `help` in cluster mode: the commands with one line each, or one command's text with examples. */
export function clusterHelp(commands: () => Promise<readonly ClusterCommand[]>): ClusterCommand {
  return {
    name: 'help',
    synopsis: '',
    summary: '',
    help: 'help [COMMAND]\nThe cluster commands, or what COMMAND does, its flags and examples.\n',
    flags: [],
    async run(ctx, args) {
      const topic = args.positional[0];
      if (topic === 'json') {
        ctx.io.out(JSON_HELP);
        line(ctx, 'In cluster mode every command takes -o json; see help <command> for its shape.');
        return Exit.SUCCESS;
      }
      if (topic === 'addresses' || topic === 'scope') {
        line(ctx, ADDRESS_HELP);
        return Exit.SUCCESS;
      }
      const all = await commands();
      if (topic !== undefined) {
        const command = all.find((c) => c.name === topic && c.help !== '');
        if (command) ctx.io.out(command.help);
        else note(ctx, `*** No help on ${topic}`);
        return command ? Exit.SUCCESS : Exit.INVALID_ARGS;
      }
      const scope = ctx.session.scopeFor({});
      const shown = all.filter((c) => c.synopsis !== '');
      const width = Math.max(...shown.map((c) => c.synopsis.length)) + 3;
      const listed = shown.map((c) => `  ${c.synopsis.padEnd(width)}${c.summary}`);
      ctx.io.out(
        `fleetctl in cluster mode: through the controller at ${ctx.session.address}, ` +
          `acting on ${scope instanceof Error ? 'the scope given' : describeScope(scope)} unless told otherwise.\n\n` +
          `${listed.join('\n')}\n\n${ADDRESS_HELP}\n\n` +
          'Every command takes -A, --host, --hosts and -o json. Use "help <command>" for its flags and examples,\n' +
          '"help addresses" for addresses and scope.\n',
      );
      return Exit.SUCCESS;
    },
  };
}

/**
 * `fleet-controller bootstrap --data DIR`: the first admin token, printed once, as `nomad acl
 * bootstrap` does. It needs nothing but write access to the data directory (whoever may write
 * there owns the controller anyway), and works whether the controller runs or not: the database
 * is opened beside the controller's connection (WAL, busy timeout), and a running controller
 * reads tokens from it on every call. A second bootstrap is refused; the token is never shown
 * again, and only its hash is stored.
 *
 * stdout carries the token alone (`TOKEN=$(fleet-controller bootstrap --data DIR)`); what to do
 * with it goes to stderr.
 */
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { parseCommandLine, type ProgramExit } from '../common/command-line.js';
import { isFleetError } from '../common/errors.js';
import { issueToken } from './auth/token-issuer.js';
import { DATABASE_FILE } from './run.js';
import { openTokenDatabase } from './store/sqlite-tokens.js';

const HELP_AFTER = `
The token is printed once, alone on stdout; keep it (mode 0600), for example in
~/.config/fleetvisor/fleetctl.ini:
  [fleetctl]
  controller = ctl.example.com:7400
  token = fvt_...
  ca = /etc/fleetvisor/ca.crt
Then make the other tokens with it: fleetctl token create --role operator --name ci

Examples:
  fleet-controller bootstrap --data /var/lib/fleet-controller
  TOKEN=$(fleet-controller bootstrap --data /var/lib/fleet-controller --name alice)

Exit codes: 0 the token was made; 1 bootstrap was done before (or the store failed); 2 bad arguments.
`;

export async function bootstrapCommand(argv: readonly string[], prog: string, cwd = process.cwd(), now = Date.now()): Promise<ProgramExit> {
  const program = new Command(`${prog} bootstrap`)
    .description('Make the first admin token of a controller, once.')
    .helpOption('-h, --help', 'print this usage message and exit')
    .requiredOption('--data <dir>', "the controller's data directory (its --data)")
    .option('--name <name>', 'the token\'s name, as the audit trail shows it', 'admin')
    .addHelpText('after', HELP_AFTER)
    .allowExcessArguments(false);
  const line = parseCommandLine(program, argv, `${prog} bootstrap -h`);
  if (line.kind === 'exit') return line.exit;
  const flags = program.opts<{ data: string; name: string }>();
  const dataDir = resolve(cwd, flags.data);
  const path = join(dataDir, DATABASE_FILE);
  try {
    const issued = issueToken({ name: flags.name, role: 'admin', scopes: [], ttlMs: 0 }, 'bootstrap', now);
    await using db = openTokenDatabase(path);
    const { token } = issued;
    await db.tokens.bootstrap(token, issued.secretHash, {
      time: now,
      who: 'bootstrap',
      tokenId: token.id,
      origin: `local (${localUser()})`,
      action: 'bootstrap',
      addresses: [token.id, `name=${token.name}`, 'role=admin'],
      hosts: [],
      result: 'ok',
    });
    return {
      code: 0,
      stdout: `${issued.text}\n`,
      stderr:
        `The first admin token of the controller in ${dataDir} (name ${token.name}, id ${token.id}) is above. ` +
        'It is shown this once and cannot be shown again: keep it now (token = in ~/.config/fleetvisor/fleetctl.ini, mode 0600, or FLEET_TOKEN), ' +
        'and make the other tokens with it (fleetctl token create).\n',
    };
  } catch (err) {
    return { code: 1, stdout: '', stderr: `Error: ${isFleetError(err) ? err.message : (err as Error).message}\n` };
  }
}

function localUser(): string {
  try {
    const user = userInfo();
    return `${user.username}, uid ${user.uid}`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

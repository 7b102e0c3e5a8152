// fleet-agent: the per-host supervision daemon, a drop-in supervisord.
import { dirname, resolve } from 'node:path';
import { realpathSync } from 'node:fs';
import { configSearchPaths, findConfigFile, formatDiagnostic, loadConfig } from '../config/load.js';
import type { ConfigDiagnostic } from '../config/types.js';
import { parseAgentArgs } from './options.js';
import { daemonize, isDaemonChild, reportToForeground } from './daemonize.js';
import { describeConfig } from './check-summary.js';
import { parseJoinArgs, planJoin } from './join-command.js';
import { runAgent } from './run.js';
import { ServerStartError } from '../control/control-server.js';
import { VERSION } from '../../common/version.js';

const PROG = 'fleet-agent';

async function main(): Promise<number> {
  if (process.argv[2] === 'join') return join(process.argv.slice(3));
  const parsed = parseAgentArgs(process.argv.slice(2), PROG);
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const { options } = parsed;
  if (options.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }

  const exeDir = dirname(realpathSync(process.argv[1] ?? '.'));
  const configFile = options.configFile ?? findConfigFile({ exeDir, cwd: process.cwd() });
  if (!configFile) {
    const searched = configSearchPaths({ exeDir, cwd: process.cwd() }).join(', ');
    return usageError(`No config file found at default paths (${searched}); use the -c option to specify a config file at a different path`);
  }
  const load = () => loadConfig(resolve(configFile), { overrides: options.overrides });
  const result = load();
  printWarnings(result.warnings);
  if (!result.ok) return usageError(...result.errors.map(formatDiagnostic));

  if (options.check) {
    process.stdout.write(describeConfig(result.config));
    return 0;
  }
  if (!result.config.supervisord.nodaemon && !isDaemonChild()) return daemonize();
  try {
    return await runAgent({ config: result.config, warnings: result.warnings, reload: load });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ServerStartError) {
      // supervisord reports a taken socket or port as a usage error (options.usage: exit 2).
      reportToForeground(`exit 2\nError: ${message}\nFor help, use ${PROG} -h\n`);
      return usageError(message);
    }
    reportToForeground(`Error: ${message}\n`);
    process.stderr.write(`Error: ${message}\n`);
    return 1;
  }
}

/** `fleet-agent join`: enroll with the controller, then exit (join-command.ts). */
async function join(argv: string[]): Promise<number> {
  const parsed = parseJoinArgs(argv, PROG);
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    return parsed.code;
  }
  const exeDir = dirname(realpathSync(process.argv[1] ?? '.'));
  const configFile = parsed.args.configFile ?? findConfigFile({ exeDir, cwd: process.cwd() });
  if (!configFile) {
    const searched = configSearchPaths({ exeDir, cwd: process.cwd() }).join(', ');
    return usageError(`No config file found at default paths (${searched}); use the -c option to specify a config file at a different path (its [fleet] section names the host and state_dir)`);
  }
  const result = loadConfig(resolve(configFile));
  printWarnings(result.warnings);
  if (!result.ok) return usageError(...result.errors.map(formatDiagnostic));
  const plan = planJoin(parsed.args, result.config);
  if (plan instanceof Error) return usageError(plan.message);
  const { joinController } = await import('../link/enrollment.js');
  try {
    const credentials = await joinController(plan);
    process.stdout.write(
      `joined ${plan.controller} as host ${credentials.host}: certificate valid until ${new Date(credentials.notAfter).toISOString()}, ` +
        `stored in ${plan.stateDir} (agent.key, agent.crt, ca.crt)\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function usageError(...messages: string[]): number {
  process.stderr.write(messages.map((m) => `Error: ${m}\n`).join('') + `For help, use ${PROG} -h\n`);
  return 2;
}

function printWarnings(warnings: ConfigDiagnostic[]): void {
  if (isDaemonChild()) return; // The foreground copy has already shown them.
  for (const w of warnings) process.stderr.write(`Warning: ${formatDiagnostic(w)}\n`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

/**
 * `fleet-controller ca-fingerprint --data DIR`: prints the CA's fingerprint (`sha256:...`) and
 * nothing else, for scripts that enroll agents (`fleet-agent join --ca-fingerprint "$(...)"`).
 * It reads DATA/pki/ca.crt only. Exit 0; 1 when there is no CA yet; 2 for usage errors.
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { parseCommandLine, type ProgramExit } from '../../common/command-line.js';
import { readCaFingerprint } from './controller-pki.js';

export function caFingerprintCommand(argv: string[], prog = 'fleet-controller', cwd = process.cwd()): ProgramExit {
  const program = new Command(`${prog} ca-fingerprint`)
    .description('Print the fingerprint of the controller\'s CA (what fleet-agent join --ca-fingerprint wants).')
    .helpOption('-h, --help', 'print this usage message and exit')
    .requiredOption('--data <dir>', 'the controller\'s data directory (its CA is in DATA/pki/ca.crt)')
    .addHelpText('after', `\nExample:\n  fleet-agent join --controller ctl:7400 --token "$TOKEN" --ca-fingerprint "$(${prog} ca-fingerprint --data /var/lib/fleet-controller)"\n`)
    .allowExcessArguments(false);
  const line = parseCommandLine(program, argv, `${prog} ca-fingerprint -h`);
  if (line.kind === 'exit') return line.exit;
  const { data } = program.opts<{ data: string }>();
  try {
    return { code: 0, stdout: `${readCaFingerprint(resolve(cwd, data))}\n`, stderr: '' };
  } catch (err) {
    return { code: 1, stdout: '', stderr: `Error: ${(err as Error).message}\n` };
  }
}

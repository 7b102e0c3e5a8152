import type { RlimitResource } from '../native/addon.js';

export interface RlimitOps {
  getrlimit(resource: RlimitResource): { soft: number; hard: number };
  /** The errno name on failure, else null. */
  setrlimit(resource: RlimitResource, soft: number, hard: number): string | null;
}

const LIMITS: ReadonlyArray<{ resource: RlimitResource; name: string; message: (min: number, hard: number) => string }> = [
  {
    resource: 'nofile',
    name: 'RLIMIT_NOFILE',
    message: (min, hard) =>
      `The minimum number of file descriptors required to run this process is ${min} as per the "minfds" ` +
      `command-line argument or config file setting. The current environment will only allow you to open ${hard} ` +
      'file descriptors.  Either raise the number of usable file descriptors in your environment (see README.rst) ' +
      'or lower the minfds setting in the config file to allow the process to start.',
  },
  {
    resource: 'nproc',
    name: 'RLIMIT_NPROC',
    message: (min, hard) =>
      `The minimum number of available processes required to run this program is ${min} as per the "minprocs" ` +
      `command-line argument or config file setting. The current environment will only allow you to open ${hard} ` +
      'processes.  Either raise the number of usable processes in your environment (see README.rst) or lower the ' +
      'minprocs setting in the config file to allow the program to start.',
  },
];

/**
 * supervisord's set_rlimits_or_exit: raise the soft limit (and the hard one, which only root may
 * do) to minfds / minprocs when it is below. Returns the info lines to log; throws an Error with
 * supervisord's text when the limit cannot be raised.
 */
export function ensureRlimits(min: { minfds: number; minprocs: number }, ops: RlimitOps): string[] {
  const infos: string[] = [];
  for (const limit of LIMITS) {
    const minimum = limit.resource === 'nofile' ? min.minfds : min.minprocs;
    const { soft, hard } = ops.getrlimit(limit.resource);
    if (soft === Infinity || soft >= minimum) continue;
    const newHard = hard !== Infinity && hard < minimum ? minimum : hard;
    if (ops.setrlimit(limit.resource, minimum, newHard) !== null) throw new Error(limit.message(minimum, hard));
    infos.push(`Increased ${limit.name} limit to ${minimum}`);
  }
  return infos;
}

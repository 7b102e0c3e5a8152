import { dirname } from 'node:path';
import { FleetError } from '../../common/errors.js';

/**
 * The error for a log file that cannot be opened or created: a CONFIG_INVALID FleetError whose
 * message names what the file is for, the path, and the reason in words (the errno is the cause).
 * `what` reads like `stdout_logfile of web_0` or `logfile`.
 */
export function logFileError(what: string, path: string, err: unknown): FleetError {
  return new FleetError('CONFIG_INVALID', `${what}: cannot open ${path}: ${reason(path, err)}`, { cause: err });
}

function reason(path: string, err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `the directory ${dirname(path)} does not exist`;
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

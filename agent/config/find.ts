import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export interface FindConfigOptions {
  /** Directory holding the executable (supervisord uses dirname(argv[0])). */
  exeDir: string;
  /** Working directory for the relative entries of the list. */
  cwd: string;
  exists?: (path: string) => boolean;
}

/**
 * The places supervisord and supervisorctl look for a config file when `-c` is not given,
 * in order (reference 1.1), as absolute paths.
 */
export function configSearchPaths(options: Omit<FindConfigOptions, 'exists'>): string[] {
  const { exeDir, cwd } = options;
  return [
    resolve(exeDir, '..', 'etc', 'supervisord.conf'),
    resolve(exeDir, '..', 'supervisord.conf'),
    resolve(cwd, 'supervisord.conf'),
    resolve(cwd, 'etc', 'supervisord.conf'),
    '/etc/supervisord.conf',
    '/etc/supervisor/supervisord.conf',
  ];
}

/** The first file of the search list that exists, or null when there is none. */
export function findConfigFile(options: FindConfigOptions): string | null {
  const exists = options.exists ?? existsSync;
  return configSearchPaths(options).find((p) => exists(p)) ?? null;
}

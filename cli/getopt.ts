/**
 * Python's getopt.getopt, which supervisorctl's option parser uses: options stop at the first
 * word that is not an option (so `fleetctl status -c x` passes `-c x` to status), long options
 * may be abbreviated to a unique prefix, and the error texts are getopt's own.
 */

export class GetoptError extends Error {}

export interface GetoptResult {
  opts: Array<[string, string]>;
  args: string[];
}

/**
 * `shortopts` as getopt's string ("c:is:"), `longopts` with `=` marking an argument. `aliases`
 * maps an exact long option to the one it stands for (`history-file` to `history_file`).
 * `exactLongopts` are taken only when spelled out in full: they are no prefix match and make
 * no abbreviation of `longopts` ambiguous (fleetctl's cluster flags beside supervisorctl's own).
 */
export function getopt(
  argv: readonly string[],
  shortopts: string,
  longopts: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
  exactLongopts: readonly string[] = [],
): GetoptResult {
  const opts: Array<[string, string]> = [];
  let args = [...argv];
  while (args.length > 0 && args[0]!.startsWith('-') && args[0] !== '-') {
    const word = args.shift()!;
    if (word === '--') break;
    if (word.startsWith('--')) args = doLong(opts, word.slice(2), longopts, aliases, args, exactLongopts);
    else args = doShorts(opts, word.slice(1), shortopts, args);
  }
  return { opts, args };
}

function doLong(
  opts: Array<[string, string]>,
  text: string,
  longopts: readonly string[],
  aliases: Readonly<Record<string, string>>,
  args: string[],
  exactLongopts: readonly string[],
): string[] {
  const eq = text.indexOf('=');
  let opt = eq === -1 ? text : text.slice(0, eq);
  if (Object.hasOwn(aliases, opt)) opt = aliases[opt]!;
  let optarg: string | null = eq === -1 ? null : text.slice(eq + 1);
  const exact = exactLongopts.filter((o) => o === opt || o === `${opt}=`);
  const possibilities = exact.length > 0 ? exact : longopts.filter((o) => o.startsWith(opt));
  if (possibilities.length === 0) throw new GetoptError(`option --${opt} not recognized`);
  let hasArg: boolean;
  if (possibilities.includes(opt)) {
    hasArg = false;
  } else if (possibilities.includes(`${opt}=`)) {
    hasArg = true;
  } else {
    if (possibilities.length > 1) throw new GetoptError(`option --${opt} not a unique prefix`);
    const match = possibilities[0]!;
    hasArg = match.endsWith('=');
    opt = hasArg ? match.slice(0, -1) : match;
  }
  if (hasArg) {
    if (optarg === null) {
      if (args.length === 0) throw new GetoptError(`option --${opt} requires argument`);
      optarg = args.shift()!;
    }
  } else if (optarg !== null) {
    throw new GetoptError(`option --${opt} must not have an argument`);
  }
  opts.push([`--${opt}`, optarg ?? '']);
  return args;
}

function doShorts(opts: Array<[string, string]>, text: string, shortopts: string, args: string[]): string[] {
  let rest = text;
  while (rest !== '') {
    const opt = rest[0]!;
    rest = rest.slice(1);
    const at = opt === ':' ? -1 : shortopts.indexOf(opt);
    if (at === -1) throw new GetoptError(`option -${opt} not recognized`);
    if (shortopts[at + 1] === ':') {
      if (rest === '') {
        if (args.length === 0) throw new GetoptError(`option -${opt} requires argument`);
        rest = args.shift()!;
      }
      opts.push([`-${opt}`, rest]);
      rest = '';
    } else {
      opts.push([`-${opt}`, '']);
    }
  }
  return args;
}

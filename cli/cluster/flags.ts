/**
 * A cluster command's words: flags anywhere among them, kubectl style (`status web:* -A -o json`),
 * `--name value` or `--name=value`, short flags alone or together (`-fA`), a value glued to its
 * short flag (`-ojson`), and `--` to end the flags. Pure; errors are messages for the user.
 */

export interface FlagSpec {
  /** The long name without dashes: `since`. */
  long: string;
  /** One letter: `f` for `-f`. */
  short?: string;
  /** Whether the flag takes a value. */
  value?: boolean;
}

export interface ParsedWords {
  /** By long name: the value, or true for a flag without one. A repeated flag keeps its last value. */
  flags: Map<string, string | true>;
  positional: string[];
}

/** The flags every cluster command takes: the host scope and the output format. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  { long: 'all-hosts', short: 'A' },
  { long: 'host', value: true },
  { long: 'hosts', value: true },
  { long: 'output', short: 'o', value: true },
];

export function parseWords(words: readonly string[], specs: readonly FlagSpec[]): ParsedWords | Error {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) return new Error(`unknown flag --${name}`);
      if (!spec.value) {
        if (eq !== -1) return new Error(`--${name} takes no value`);
        flags.set(spec.long, true);
        continue;
      }
      const value = eq !== -1 ? word.slice(eq + 1) : words[++i];
      if (value === undefined) return new Error(`--${name} needs a value`);
      flags.set(spec.long, value);
      continue;
    }
    if (word.startsWith('-') && word.length > 1 && !/^-\d/.test(word)) {
      for (let j = 1; j < word.length; j++) {
        const spec = byShort.get(word[j]!);
        if (!spec) return new Error(`unknown flag -${word[j]}`);
        if (!spec.value) {
          flags.set(spec.long, true);
          continue;
        }
        const value = j + 1 < word.length ? word.slice(j + 1) : words[++i];
        if (value === undefined) return new Error(`-${spec.short} needs a value`);
        flags.set(spec.long, value);
        break;
      }
      continue;
    }
    positional.push(word);
  }
  return { flags, positional };
}

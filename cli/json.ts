/**
 * fleetctl's `-o json` output for status, avail, pid and reread: one JSON document on stdout,
 * with the same exit codes as the text form. Messages that are not results (no connection,
 * bad arguments) go to stderr as text, so stdout is always either one document or empty.
 * Keys are snake_case like Supervisor's XML-RPC structs; numbers are plain JSON numbers (epoch
 * seconds, pids). New keys may be added; existing ones keep their meaning.
 */
import type { OutputFormat } from './options.js';
import type { Writer } from './io.js';

export const JSON_HELP = `fleetctl -o json: machine-readable output (fleetctl only, not in supervisorctl)
Use -o json (or --output=json) after the command, or before it for every command that has it.
Exit codes are those of the text form; messages that are not results go to stderr.

status -o json [<name>...]
  {"processes": [{"name": "web_0", "group": "web", "namespec": "web:web_0",
                  "state": "RUNNING", "statecode": 20, "description": "pid 42, uptime 0:01:02",
                  "pid": 42, "start": 1700000000, "stop": 0, "now": 1700000062,
                  "exitstatus": 0, "spawnerr": "",
                  "stdout_logfile": "/var/log/web_0.log", "stderr_logfile": ""}],
   "errors": [{"name": "nosuch", "error": "no such process"}]}
avail -o json
  {"processes": [{"name": "web_0", "group": "web", "namespec": "web:web_0", "in_use": true,
                  "autostart": true, "group_priority": 999, "process_priority": 999}]}
pid -o json                 {"pid": 1234}   (the agent)
pid -o json <name>...|all   {"processes": [{"name": "web_0", "group": "web", "namespec": "web:web_0", "pid": 42}],
                             "errors": [{"name": "nosuch", "error": "no such process"}]}
reread -o json              {"added": ["new"], "changed": ["web"], "removed": []}

Example:
fleetctl status -o json | jq -r '.processes[] | select(.state != "RUNNING") | .namespec'
`;

/** The words of a command line with its -o flag taken out. */
export type OutputFlag = { format: OutputFormat; words: string[] } | { error: string };

/** Takes `-o json`, `-ojson`, `--output json` or `--output=json` from anywhere in the words. */
export function takeOutputFlag(words: readonly string[], fallback: OutputFormat): OutputFlag {
  let format = fallback;
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let value: string | undefined;
    if (word === '-o' || word === '--output') {
      value = words[++i];
      if (value === undefined) return { error: `Error: ${word} requires a format (json or text)` };
    } else if (word.startsWith('--output=')) {
      value = word.slice('--output='.length);
    } else if (word.startsWith('-o') && word.length > 2) {
      value = word.slice(2);
    } else {
      rest.push(word);
      continue;
    }
    if (value !== 'json' && value !== 'text') return { error: `Error: unknown output format '${value}' (use -o json or -o text)` };
    format = value;
  }
  return { format, words: rest };
}

/** Writes one document, indented for people; jq and JSON.parse read it the same. */
export function writeJson(io: Writer, document: unknown): void {
  io.out(`${JSON.stringify(document, null, 2)}\n`);
}

/** In JSON mode, lines that are not the document go to stderr. */
export function messagesWriter(io: Writer, format: OutputFormat): Writer {
  return format === 'json' ? { out: (t) => io.err(t), err: (t) => io.err(t) } : io;
}

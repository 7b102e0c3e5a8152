import type { Config } from '../config/types.js';
import { formatNamespec } from '../../common/namespec.js';

/**
 * The text `fleet-agent --check` prints for a valid config: the files read and one line per
 * process it would supervise, in start order.
 */
export function describeConfig(config: Config): string {
  const processes = config.groups.flatMap((g) => g.processes.map((p) => ({ g, p })));
  const autostart = processes.filter(({ p }) => p.autostart).length;
  const lines = [
    `${config.file}: valid (${config.files.length} file${config.files.length === 1 ? '' : 's'} read)`,
    `${config.groups.length} group${config.groups.length === 1 ? '' : 's'}, ` +
      `${processes.length} process${processes.length === 1 ? '' : 'es'} (${autostart} autostart)`,
  ];
  if (processes.length > 0) {
    const rows = processes.map(({ g, p }) => [
      formatNamespec(g.name, p.name),
      g.kind,
      `${g.priority}:${p.priority}`,
      p.autostart ? 'auto' : 'manual',
      p.command,
    ]);
    const header = ['NAME', 'KIND', 'PRIORITY', 'START', 'COMMAND'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    lines.push('', fmt(header), ...rows.map(fmt));
  }
  return lines.join('\n') + '\n';
}

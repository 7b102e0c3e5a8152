// Combines reps, compares with the targets, and prints a table or JSON.
import type { ImplName } from './impls.js';
import type { MetricDef, ScenarioName, Target, Values } from './scenario.js';
import { median } from './stats.js';

export interface RunError {
  impl: ImplName;
  rep: number;
  message: string;
}

export interface ScenarioRuns {
  name: ScenarioName;
  description: string;
  metrics: MetricDef[];
  /** Per implementation, one Values per successful rep. */
  runs: Partial<Record<ImplName, Values[]>>;
  errors: RunError[];
}

export interface Aggregate {
  value: number;
  min: number;
  max: number;
  reps: number[];
}

export interface MetricResult {
  key: string;
  label: string;
  target: Target | null;
  baseline: number | null;
  supervisord: Aggregate | null;
  'fleet-agent': Aggregate | null;
  /** supervisord ÷ fleet-agent, when the row has a ratio and both ran. */
  ratio: number | null;
  /** fleet-agent's figure against the target; null when there is no target or no figure. */
  pass: boolean | null;
}

export interface ScenarioResult {
  name: ScenarioName;
  description: string;
  reps: number;
  metrics: MetricResult[];
  errors: RunError[];
}

function aggregate(def: MetricDef, runs: Values[] | undefined): Aggregate | null {
  const reps = (runs ?? []).map((v) => v[def.key]).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  if (reps.length === 0) return null;
  const min = Math.min(...reps);
  const max = Math.max(...reps);
  const value = def.agg === 'median' ? median(reps) : def.agg === 'max' ? max : min;
  return { value, min, max, reps };
}

function meets(t: Target, v: number): boolean {
  if (t.op === '<=') return v <= t.value;
  if (t.op === '>=') return v >= t.value;
  return v === t.value;
}

export function summarize(s: ScenarioRuns, reps: number): ScenarioResult {
  const metrics = s.metrics.map((def): MetricResult => {
    const sv = aggregate(def, s.runs.supervisord);
    const fa = aggregate(def, s.runs['fleet-agent']);
    let ratio: number | null = null;
    if (def.ratio && sv && fa) ratio = fa.value === 0 ? (sv.value === 0 ? 1 : Number.POSITIVE_INFINITY) : sv.value / fa.value;
    return {
      key: def.key,
      label: def.label,
      target: def.target ?? null,
      baseline: def.baseline ?? null,
      supervisord: sv,
      'fleet-agent': fa,
      ratio,
      pass: def.target && fa ? meets(def.target, fa.value) : null,
    };
  });
  return { name: s.name, description: s.description, reps, metrics, errors: s.errors };
}

function formatValue(def: MetricDef, v: number): string {
  if (Number.isNaN(v)) return 'n/a';
  if (def.format === 'bool') return v ? 'yes' : 'no';
  if (def.format === 'int') return String(Math.round(v));
  return v.toFixed(def.format);
}

function formatCell(def: MetricDef, a: Aggregate | null): string {
  if (!a) return '-';
  const v = formatValue(def, a.value);
  if (a.reps.length < 2 || def.agg !== 'median') return v;
  const lo = formatValue(def, a.min);
  const hi = formatValue(def, a.max);
  return lo === hi ? v : `${v} (${lo}–${hi})`;
}

function formatRatio(r: number | null): string {
  if (r === null) return '';
  if (!Number.isFinite(r)) return '∞';
  if (r >= 100) return `${r.toFixed(0)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

export interface Meta {
  date: string;
  host: string;
  node: string;
  kernel: string;
  cpus: number;
  loadavg: number[];
  versions: Partial<Record<ImplName, string>>;
  options: Record<string, unknown>;
}

export function renderTable(meta: Meta, results: ScenarioResult[], defsByScenario: Map<ScenarioName, MetricDef[]>): string {
  const lines: string[] = [];
  lines.push(`fleetvisor agent benchmark, ${meta.date} on ${meta.host} (${meta.cpus} CPUs, kernel ${meta.kernel}, node ${meta.node}, load ${meta.loadavg.map((l) => l.toFixed(2)).join(' ')})`);
  for (const [impl, v] of Object.entries(meta.versions)) lines.push(`  ${impl}: ${v}`);
  lines.push('  sv/fa = supervisord ÷ fleet-agent (for times, CPU and memory, above 1 means fleet-agent is lower);');
  lines.push('  ref = supervisord in reference/baseline-supervisord.md for the same parameters; target and mark apply to fleet-agent.');
  let pass = 0;
  let miss = 0;
  for (const r of results) {
    const defs = defsByScenario.get(r.name) ?? [];
    lines.push('');
    lines.push(`${r.description}; ${r.reps} rep${r.reps > 1 ? 's' : ''}${r.reps > 1 ? ', median (min–max)' : ''}`);
    const rows: string[][] = [['metric', 'supervisord', 'fleet-agent', 'sv/fa', 'ref', 'target', '']];
    r.metrics.forEach((m, i) => {
      const def = defs[i] as MetricDef;
      const mark = m.pass === null ? '' : m.pass ? 'PASS' : 'MISS';
      if (m.pass === true) pass++;
      if (m.pass === false) miss++;
      rows.push([
        m.label,
        formatCell(def, m.supervisord),
        formatCell(def, m['fleet-agent']),
        formatRatio(m.ratio),
        m.baseline === null ? '' : formatValue(def, m.baseline),
        m.target?.text ?? '',
        mark,
      ]);
    });
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
    for (const [i, row] of rows.entries()) {
      const cells = row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)));
      lines.push(`  ${cells.join('  ').trimEnd()}`);
      if (i === 0) lines.push(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`.trimEnd());
    }
    for (const e of r.errors) lines.push(`  ERROR ${e.impl} rep ${e.rep}: ${e.message.split('\n').join('\n    ')}`);
  }
  lines.push('');
  lines.push(`fleet-agent targets: ${pass} PASS, ${miss} MISS`);
  return lines.join('\n') + '\n';
}

export function renderJson(meta: Meta, results: ScenarioResult[]): string {
  return JSON.stringify({ meta, scenarios: results }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n';
}

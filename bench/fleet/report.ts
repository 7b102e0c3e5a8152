// The figures of bench:fleet, side by side with the peer they replace where there is one, the
// ratio, the targets with PASS/MISS, as a table or as JSON.
import { median, quantile } from '../agent/stats.js';

/** How the samples of a figure combine. */
export type How = 'p50' | 'median' | 'once';

export interface Stat {
  value: number;
  min: number;
  max: number;
  /** Samples behind it. */
  n: number;
  how: How;
  /** p95, for p50 figures of 10 samples or more. */
  p95?: number;
}

export interface Target {
  op: '<=' | '>=' | '==';
  value: number;
  /** As printed: "≤ 300 ms". */
  text: string;
}

export interface Figure {
  key: string;
  label: string;
  digits: number;
  fleet: Stat | null;
  /** The same figure for the peer (the XML-RPC poller over supervisords). */
  peer: Stat | null;
  /** peer ÷ fleet, when both exist and the row compares them. */
  ratio: number | null;
  target: Target | null;
  /** fleet against the target; null without one or without a figure. */
  pass: boolean | null;
}

export interface ScenarioReport {
  name: string;
  title: string;
  /** Column headings: what produced the figures. */
  fleetLabel: string;
  peerLabel: string | null;
  figures: Figure[];
  notes: string[];
  errors: string[];
}

export function stat(samples: number[], how: How): Stat | null {
  const values = samples.filter((v) => Number.isFinite(v));
  if (values.length === 0) return null;
  const value = how === 'once' ? values[values.length - 1]! : median(values);
  const out: Stat = { value, min: Math.min(...values), max: Math.max(...values), n: values.length, how };
  if (how === 'p50' && values.length >= 10) out.p95 = quantile(values, 0.95);
  return out;
}

function meets(t: Target, v: number): boolean {
  if (t.op === '<=') return v <= t.value;
  if (t.op === '>=') return v >= t.value;
  return v === t.value;
}

export interface FigureSpec {
  key: string;
  label: string;
  digits?: number;
  fleet: Stat | null;
  peer?: Stat | null;
  ratio?: boolean;
  target?: Target;
}

export function figure(spec: FigureSpec): Figure {
  const fleet = spec.fleet;
  const peer = spec.peer ?? null;
  let ratio: number | null = null;
  if (spec.ratio && fleet && peer) ratio = fleet.value === 0 ? Number.POSITIVE_INFINITY : peer.value / fleet.value;
  return {
    key: spec.key,
    label: spec.label,
    digits: spec.digits ?? 0,
    fleet,
    peer,
    ratio,
    target: spec.target ?? null,
    pass: spec.target && fleet ? meets(spec.target, fleet.value) : null,
  };
}

function num(v: number, digits: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(s: Stat | null, digits: number): string {
  if (!s) return '-';
  const v = num(s.value, digits);
  if (s.n < 2 || s.how === 'once') return v;
  const range = `${num(s.min, digits)}–${num(s.max, digits)}`;
  return s.p95 === undefined ? `${v} (${range})` : `${v} (${range}, p95 ${num(s.p95, digits)})`;
}

function ratioText(r: number | null): string {
  if (r === null) return '';
  if (!Number.isFinite(r)) return '∞';
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export interface Meta {
  date: string;
  host: string;
  node: string;
  cpus: number;
  loadavg: number[];
  commit: string;
  options: Record<string, unknown>;
}

export function renderTable(meta: Meta, reports: ScenarioReport[]): string {
  const lines: string[] = [];
  lines.push(
    `fleetvisor fleet benchmark, ${meta.date} on ${meta.host} (${meta.cpus} CPUs, node ${meta.node}, load at start ${meta.loadavg.map((l) => l.toFixed(2)).join(' ')}, commit ${meta.commit})`,
  );
  lines.push('  figures: median of the reps (min–max; p95 beside a p50 of 10 or more); ratio = peer ÷ fleetvisor (above 1: fleetvisor is faster or smaller)');
  let pass = 0;
  let miss = 0;
  for (const r of reports) {
    lines.push('', r.title);
    const withPeer = r.peerLabel !== null;
    const header = withPeer ? ['figure', r.fleetLabel, r.peerLabel!, 'ratio', 'target', ''] : ['figure', r.fleetLabel, 'target', ''];
    const rows: string[][] = [header];
    for (const f of r.figures) {
      const mark = f.pass === null ? '' : f.pass ? 'PASS' : 'MISS';
      if (f.pass === true) pass++;
      if (f.pass === false) miss++;
      const row = withPeer
        ? [f.label, cell(f.fleet, f.digits), cell(f.peer, f.digits), ratioText(f.ratio), f.target?.text ?? '', mark]
        : [f.label, cell(f.fleet, f.digits), f.target?.text ?? '', mark];
      rows.push(row);
    }
    const widths = header.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
    for (const [i, row] of rows.entries()) {
      lines.push(`  ${row.map((text, c) => (c === 0 ? text.padEnd(widths[c]!) : text.padStart(widths[c]!))).join('  ').trimEnd()}`);
      if (i === 0) lines.push(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`.trimEnd());
    }
    for (const n of r.notes) lines.push(`  note: ${n}`);
    for (const e of r.errors) lines.push(`  ERROR: ${e.split('\n').join('\n    ')}`);
  }
  lines.push('', `targets: ${pass} PASS, ${miss} MISS`);
  return `${lines.join('\n')}\n`;
}

export function renderJson(meta: Meta, reports: ScenarioReport[]): string {
  return `${JSON.stringify({ meta, scenarios: reports }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

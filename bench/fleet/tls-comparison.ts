// The scale scenario in secure mode beside the same scenario in plaintext (bench:fleet --tls):
// each figure of the TLS run with the plaintext run's figure of the same key and the ratio
// TLS ÷ plaintext, so the cost of mutual TLS reads off one column.
import { figure, type ScenarioReport } from './report.js';

export function compareTls(plain: ScenarioReport, tls: ScenarioReport): ScenarioReport {
  const before = new Map(plain.figures.map((f) => [f.key, f]));
  return {
    name: 'scale-tls',
    title: `${tls.title}; beside the plaintext run, ratio = TLS ÷ plaintext (above 1: TLS takes longer or more; for ingest/s, below 1 is slower)`,
    fleetLabel: 'TLS',
    peerLabel: 'plaintext',
    figures: tls.figures.map((f) => {
      const p = before.get(f.key)?.fleet ?? null;
      const row = figure({ key: f.key, label: f.label, digits: f.digits, fleet: f.fleet, peer: p, target: f.target ?? undefined });
      row.ratio = f.fleet && p && p.value !== 0 ? f.fleet.value / p.value : null;
      return row;
    }),
    notes: tls.notes,
    errors: tls.errors,
  };
}

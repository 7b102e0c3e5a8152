// What the controller actually stored, read straight from its SQLite file (read-only, while it
// runs: WAL lets a reader in beside the writer), to check "zero lost" against what the
// simulated hosts numbered.
import Database from 'better-sqlite3';

export interface HostEventCount {
  rows: number;
  distinctSeqs: number;
  maxSeq: number;
}

/** Stored event rows per host name (transitions, exits, gaps). */
export function countStoredEvents(databasePath: string): Map<string, HostEventCount> {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT h.name AS host, COUNT(*) AS rows, COUNT(DISTINCT e.seq) AS distinctSeqs, MAX(e.seq) AS maxSeq
           FROM events e JOIN hosts h ON h.id = e.host_id GROUP BY e.host_id`,
      )
      .all() as Array<{ host: string } & HostEventCount>;
    return new Map(rows.map((r) => [r.host, { rows: r.rows, distinctSeqs: r.distinctSeqs, maxSeq: r.maxSeq }]));
  } finally {
    db.close();
  }
}

export interface LossCheck {
  /** Events the hosts numbered (their last seqs, summed). */
  numbered: number;
  stored: number;
  /** Seqs numbered but not stored. */
  lost: number;
  /** Rows beyond one per seq (the unique index should make this impossible). */
  doubled: number;
  /** Hosts with a problem, for the error message. */
  problems: string[];
}

/** Compares each host's last seq with its stored rows: every seq 1..last once. */
export function checkLoss(lastSeqs: ReadonlyMap<string, number>, stored: ReadonlyMap<string, HostEventCount>): LossCheck {
  const out: LossCheck = { numbered: 0, stored: 0, lost: 0, doubled: 0, problems: [] };
  for (const [host, last] of lastSeqs) {
    const s = stored.get(host) ?? { rows: 0, distinctSeqs: 0, maxSeq: 0 };
    out.numbered += last;
    out.stored += s.rows;
    const inRange = Math.min(s.distinctSeqs, last);
    out.lost += last - inRange;
    out.doubled += s.rows - s.distinctSeqs;
    if (s.distinctSeqs !== last || s.rows !== last || s.maxSeq !== last) {
      if (out.problems.length < 5) out.problems.push(`${host}: numbered 1..${last}, stored ${s.rows} rows, ${s.distinctSeqs} seqs, max ${s.maxSeq}`);
    }
  }
  return out;
}

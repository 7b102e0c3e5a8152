/**
 * Micro benchmark of the SQLite store's append path (not a test): H hosts x N transitions each,
 * interleaved host by host as a fleet reports them, into a fresh database on the normal disk.
 *
 *   node dist/test/helpers/store-bench.js [hosts=1000] [perHost=20] [rate=0]
 *
 * rate 0 pushes everything at once (the store batches up to its row limit); rate R paces the
 * appends at R events/s in 5 ms ticks, as agents' streams would deliver them, and reports the
 * ack latency. The per-host index makes interleaving the costly case (toolchain.md section 3).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransitionEvent } from '../../common/fleet-event.js';
import { openSqliteStore } from '../../controller/store/sqlite-store.js';
import { appendAll } from './store-fixtures.js';
import { makeTempDir } from './temp-dir.js';

const [hosts = 1000, perHost = 20, rate = 0] = process.argv.slice(2).map(Number);
const dir = makeTempDir('fleetvisor-store-bench-');
try {
  const store = await openSqliteStore({ path: `${dir.path}/fleet.db`, retention: { maxAgeMs: null, maxEvents: null } });
  const names = Array.from({ length: hosts }, (_, i) => `host-${String(i).padStart(4, '0')}`);
  for (const name of names) await store.recordConnect({ name, labels: { role: 'web' }, agentVersion: '0.1.0', peer: '127.0.0.1:1', time: Date.now() });
  const total = hosts * perHost;
  const latencies: number[] = [];
  const acks: Promise<unknown>[] = [];
  const t0 = performance.now();
  let sent = 0;
  const push = (): void => {
    const round = Math.floor(sent / hosts) + 1;
    const name = names[sent % hosts]!;
    const event: TransitionEvent = {
      kind: 'transition', host: name, seq: round, time: Date.now(), group: `prog${round % 20}`, name: `prog${round % 20}`,
      from: 'STARTING', to: 'RUNNING', pid: 1000 + round,
    };
    const at = performance.now();
    acks.push(appendAll(store, name, [event]).then(() => latencies.push(performance.now() - at)));
    sent++;
  };
  if (rate === 0) {
    while (sent < total) push();
  } else {
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) push();
      await sleep(5);
    }
  }
  await Promise.all(acks);
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): string => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
  console.log(
    `${hosts} hosts x ${perHost} transitions (${total} events, ${rate === 0 ? 'all at once' : `paced at ${rate}/s`}): ` +
      `${Math.round(total / seconds)} events/s acked, ack latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`,
  );
  const t1 = performance.now();
  const all = await store.listProcesses();
  const h = await store.history({ limit: 1000 });
  console.log(`listProcesses ${all.length} rows + history 1000: ${(performance.now() - t1).toFixed(1)} ms`);
  await store.close();
} finally {
  dir.remove();
}

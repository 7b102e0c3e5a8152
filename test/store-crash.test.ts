import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dbPath, openStore, transitions, appendAll } from './helpers/store-fixtures.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const WRITER = fileURLToPath(new URL('./helpers/store-writer.js', import.meta.url));
const temp = makeTempDir('fleetvisor-store-');
after(() => temp.remove());

test('every seq acked before a SIGKILL of the writing process is stored exactly once', async () => {
  const dir = temp.fresh();
  const child = spawn(process.execPath, [WRITER, 'ingest', dbPath(dir), '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  const acked = new Map<string, number>();
  let acks = 0;
  let output = '';
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const message = JSON.parse(line) as { ack?: string; seq?: number };
      if (message.ack === undefined) continue;
      acked.set(message.ack, Math.max(acked.get(message.ack) ?? 0, message.seq!));
      acks++;
    }
  });
  try {
    await waitFor(() => acks >= 400, { timeoutMs: 30_000, what: `400 acks from the writer (stderr: ${output})` });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  assert.equal(child.signalCode, 'SIGKILL');
  assert.equal(acked.size, 20, 'every host got acks');

  await using store = await openStore(dir);
  for (const [host, seq] of acked) {
    const stored = await store.history({ select: { hosts: [host] }, limit: 1_000_000 });
    const seqs = stored.map((e) => (e.kind === 'action' ? -1 : e.seq)).sort((a, b) => a - b);
    const lastSeq = (await store.getHost(host))!.lastSeq;
    assert.ok(lastSeq >= seq, `${host}: acked ${seq}, stored up to ${lastSeq}`);
    assert.deepEqual(seqs, Array.from({ length: lastSeq }, (_, i) => i + 1), `${host}: seqs 1..${lastSeq}, each once`);
  }
  // The agent resends from the ack after the controller restarts: only what is new is stored.
  const [host, seq] = [...acked][0]!;
  const lastSeq = (await store.getHost(host))!.lastSeq;
  const resend = await appendAll(store, host, transitions(host, seq + 1, lastSeq - seq + 3));
  assert.deepEqual(resend.stored, [lastSeq + 1, lastSeq + 2, lastSeq + 3]);
});

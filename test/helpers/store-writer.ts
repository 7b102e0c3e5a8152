/**
 * A child process for the controller store's crash and failure tests. It prints one JSON object
 * per line on stdout (synchronous for pipes on Linux, so a printed ack is on the pipe before
 * any kill can land):
 *
 *   node store-writer.js ingest DB HOSTS
 *     HOSTS concurrent "agents" append batches of 1-20 transitions, each resending its previous
 *     batch now and then (as after a reconnect); prints {"ack":host,"seq":lastSeq} after every
 *     append resolves, forever. Prints {"ready":true} once open.
 *   node store-writer.js fill DB FILLER
 *     appends until the store fails, prints {"error":{code,message}}, checks that the store still
 *     reads ({"read":n}), deletes FILLER to free space, retries the failed append
 *     ({"retried":lastSeq}) and closes ({"closed":true}).
 *   node store-writer.js open DB
 *     opens and closes: {"opened":true}, or {"error":{code,message}}.
 */
import { rmSync } from 'node:fs';
import { isFleetError } from '../../common/errors.js';
import { openSqliteStore } from '../../controller/store/sqlite-store.js';
import type { FleetStore } from '../../controller/store/store.js';
import { transition, appendAll } from './store-fixtures.js';

const [mode, path, arg] = process.argv.slice(2);

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function printError(err: unknown): void {
  print({ error: isFleetError(err) ? { code: err.code, message: err.message } : { code: 'NOT_A_FLEET_ERROR', message: String(err) } });
}

async function ingest(store: FleetStore, hosts: number): Promise<never> {
  print({ ready: true });
  const agent = async (host: string): Promise<never> => {
    let next = 1;
    let previous: ReturnType<typeof transition>[] = [];
    for (let round = 0; ; round++) {
      const batch = Array.from({ length: 1 + ((round * 7 + next) % 20) }, (_, i) => transition(host, next + i, { time: Date.now() }));
      // Every fifth append resends the previous batch with the new one, as an agent does after a reconnect.
      const sent = round % 5 === 4 ? [...previous, ...batch] : batch;
      const { lastSeq } = await appendAll(store, host, sent);
      print({ ack: host, seq: lastSeq });
      next += batch.length;
      previous = batch;
    }
  };
  return Promise.race(Array.from({ length: hosts }, (_, i) => agent(`host-${i}`)));
}

async function fill(store: FleetStore, filler: string): Promise<void> {
  const host = 'host-full';
  const long = 'x'.repeat(200);
  let next = 1;
  for (;;) {
    const batch = Array.from({ length: 500 }, (_, i) => transition(host, next + i, { group: `${long}-${next + i}`, name: long }));
    try {
      await appendAll(store, host, batch);
      next += batch.length;
    } catch (err) {
      printError(err);
      print({ read: (await store.history({ limit: 10 })).length });
      rmSync(filler);
      print({ retried: (await appendAll(store, host, batch)).lastSeq });
      await store.close();
      print({ closed: true });
      return;
    }
  }
}

try {
  const store = await openSqliteStore({ path: path!, batchWindowMs: 5, retention: { maxAgeMs: null, maxEvents: null } });
  if (mode === 'ingest') await ingest(store, Number(arg));
  else if (mode === 'fill') await fill(store, arg!);
  else {
    await store.close();
    print({ opened: true });
  }
} catch (err) {
  printError(err);
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ViewChanges, type HostViewChange } from '../controller/store/view-changes.js';
import { processInfo } from './helpers/store-fixtures.js';

/** A change as short lines: `put web:web_0 RUNNING`, `remove web:web_1`, `remove group db`, `replace ...`. */
function lines(changes: HostViewChange[]): string[] {
  return changes.flatMap((c) =>
    c.kind === 'replace'
      ? [`${c.host} replace ${c.processes.map((p) => `${p.group}:${p.name} ${p.statename}`).join(', ')}`]
      : [
          ...c.removedGroups.map((g) => `${c.host} remove group ${g}`),
          ...c.removed.map((r) => `${c.host} remove ${r.group}:${r.name}`),
          ...c.put.map((p) => `${c.host} put ${p.group}:${p.name} ${p.statename}`),
        ],
  );
}

test('each changed process is written once, as it is last; a removal drops the puts before it, a put its removal', () => {
  const changes = new ViewChanges();
  changes.upsert('h', [processInfo('web', 'web_0', 'STARTING'), processInfo('web', 'web_1', 'RUNNING'), processInfo('db', 'db', 'RUNNING')]);
  changes.upsert('h', [processInfo('web', 'web_0', 'RUNNING')]);
  changes.remove('h', 'web', 'web_1');
  changes.remove('h', 'db', null);
  changes.upsert('h', [processInfo('db', 'db2', 'STARTING')]);
  changes.remove('h', 'cron', 'cron');
  changes.upsert('h', [processInfo('cron', 'cron', 'RUNNING')]);
  assert.deepEqual(lines(changes.take()), ['h remove group db', 'h remove web:web_1', 'h put web:web_0 RUNNING', 'h put db:db2 STARTING', 'h put cron:cron RUNNING']);
  assert.equal(changes.size, 0, 'taken');
  assert.deepEqual(changes.take(), []);
});

test('after a snapshot, later changes apply to its whole list', () => {
  const changes = new ViewChanges();
  changes.upsert('h', [processInfo('old', 'old', 'RUNNING')]);
  changes.replace('h', [processInfo('web', 'web_0', 'STOPPED'), processInfo('web', 'web_1', 'STOPPED'), processInfo('db', 'db', 'STOPPED')]);
  changes.upsert('h', [processInfo('web', 'web_0', 'RUNNING')]);
  changes.remove('h', 'web', 'web_1');
  changes.remove('h', 'db', null);
  assert.deepEqual(lines(changes.take()), ['h replace web:web_0 RUNNING']);
});

test("a failed write's changes come back under those made since, so one write does both", () => {
  const changes = new ViewChanges();
  changes.upsert('a', [processInfo('web', 'web_0', 'STARTING')]);
  changes.remove('a', 'web', 'web_1');
  changes.replace('b', [processInfo('web', 'web_0', 'RUNNING'), processInfo('db', 'db', 'RUNNING')]);
  changes.upsert('c', [processInfo('web', 'web_0', 'RUNNING')]);
  changes.upsert('d', [processInfo('web', 'web_0', 'RUNNING')]);
  const failed = changes.take();
  changes.upsert('a', [processInfo('web', 'web_0', 'RUNNING')]);
  changes.remove('a', 'db', null);
  changes.remove('b', 'db', 'db');
  changes.replace('c', [processInfo('cron', 'cron', 'RUNNING')]);
  changes.restore(failed);
  assert.deepEqual(lines(changes.take()).sort(), [
    'a put web:web_0 RUNNING',
    'a remove group db',
    'a remove web:web_1',
    'b replace web:web_0 RUNNING',
    'c replace cron:cron RUNNING',
    'd put web:web_0 RUNNING',
  ]);
});

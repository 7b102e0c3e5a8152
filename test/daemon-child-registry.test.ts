import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildRegistry } from '../agent/daemon/child-registry.js';
import { isAlive, readProcStat } from '../agent/daemon/proc-stat.js';
import { recordingLogger } from './helpers/recording-logger.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const dir = makeTempDir();
const started: ChildProcess[] = [];
after(() => {
  for (const c of started) if (c.pid && isAlive(c.pid)) process.kill(c.pid, 'SIGKILL');
  dir.remove();
});


/** A process standing in for a child left behind by a killed agent. */
function leftover(script: string): ChildProcess {
  const c = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
  started.push(c);
  return c;
}

test('a child left by a previous run is stopped with its stopsignal before anything new starts', async () => {
  const child = leftover('sleep 300');
  const config = join(dir.path, 'a.conf');
  const before = ChildRegistry.open(dir.path, config);
  await before.recover(recordingLogger());
  before.recordSpawn({ pid: child.pid!, name: 'web', stopsignal: 'SIGTERM', stopwaitsecs: 5, stopasgroup: false, killasgroup: false });
  // The agent dies here without closing the registry (SIGKILL).

  const logger = recordingLogger();
  await ChildRegistry.open(dir.path, config).recover(logger);
  assert.equal(isAlive(child.pid!), false);
  assert.ok(logger.lines.some(([, m]) => m.includes(`found 'web' (pid ${child.pid}) left running by a previous agent`)));
});

test('a leftover that ignores its stopsignal is killed after stopwaitsecs', async () => {
  const child = leftover("trap '' TERM; while :; do sleep 0.05; done");
  await waitFor(() => readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/SigIgn:\s*0*4000\b/), { what: 'TERM ignored' });
  const config = join(dir.path, 'b.conf');
  const before = ChildRegistry.open(dir.path, config);
  await before.recover(recordingLogger());
  before.recordSpawn({ pid: child.pid!, name: 'stubborn', stopsignal: 'SIGTERM', stopwaitsecs: 0.2, stopasgroup: false, killasgroup: true });

  const logger = recordingLogger();
  await ChildRegistry.open(dir.path, config).recover(logger);
  assert.equal(isAlive(child.pid!), false);
  assert.ok(logger.lines.some(([level, m]) => level === 'warn' && m.startsWith('killing leftover')));
});

test('a recorded pid now used by another process is never touched', async () => {
  const stranger = leftover('sleep 300');
  const config = join(dir.path, 'c.conf');
  const registry = ChildRegistry.open(dir.path, config);
  await registry.recover(recordingLogger());
  const realStart = readProcStat(stranger.pid!)!.startTime;
  // Journal entry for the same pid but an earlier start time: the pid was reused since.
  writeFileSync(registry.path, `spawn ${stranger.pid} ${Number(realStart) - 1} SIGTERM 1 0 0 old\n`);
  await ChildRegistry.open(dir.path, config).recover(recordingLogger());
  assert.equal(isAlive(stranger.pid!), true);
});

test('an exited child is not stopped again at the next start', async () => {
  const config = join(dir.path, 'd.conf');
  const registry = ChildRegistry.open(dir.path, config);
  await registry.recover(recordingLogger());
  const child = leftover('sleep 300');
  registry.recordSpawn({ pid: child.pid!, name: 'gone', stopsignal: 'SIGTERM', stopwaitsecs: 1, stopasgroup: false, killasgroup: false });
  registry.recordExit(child.pid!);
  const logger = recordingLogger();
  await ChildRegistry.open(dir.path, config).recover(logger);
  assert.equal(isAlive(child.pid!), true);
  assert.deepEqual(logger.lines, []);
});

test('a second agent on the same state refuses to start while the first is alive', async () => {
  const config = join(dir.path, 'e.conf');
  const first = ChildRegistry.open(dir.path, config);
  const other = leftover('sleep 300');
  await first.recover(recordingLogger());
  // Pretend the journal belongs to another live agent process.
  writeFileSync(first.path, `agent ${other.pid} ${readProcStat(other.pid!)!.startTime}\n`);
  await assert.rejects(ChildRegistry.open(dir.path, config).recover(recordingLogger()), /another fleet-agent \(pid \d+\) is running/);
});

test('different config files keep separate journals', () => {
  assert.notEqual(ChildRegistry.open(dir.path, '/etc/a.conf').path, ChildRegistry.open(dir.path, '/etc/b.conf').path);
});

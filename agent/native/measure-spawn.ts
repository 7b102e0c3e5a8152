/**
 * A quick measurement, not a test: spawns N `/bin/sleep 100` children through NativeSpawner with
 * both pipes wrapped in sockets (as the engine will), and prints wall time, agent CPU and RSS; then
 * measures kill -9 -> exit reported -> respawned latency, and stops everything.
 *
 *   node dist/agent/native/measure-spawn.js [N=1000] [raw|fork]
 *
 * (Run the compiled file: under tsx the loader itself adds about 35 MB of RSS.) `raw` calls the
 * addon directly without wrapping the pipes, to show what the sockets cost; `fork` sets a umask,
 * which takes the fork() path instead of posix_spawn.
 */
import { closeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { NativeSpawner } from '../process/native-spawner.js';
import type { ChildHandle, SpawnRequest } from '../process/spawner.js';
import { native } from './addon.js';

const count = Number(process.argv[2] ?? 1000);
const mode = process.argv[3] ?? 'wrapped';
const raw = mode === 'raw';
const request: SpawnRequest = {
  file: '/bin/sleep',
  argv: ['sleep', '100'],
  env: { PATH: '/usr/bin:/bin' },
  cwd: null,
  umask: mode === 'fork' ? 0o022 : null,
  user: null,
  redirectStderr: false,
};
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

const spawner = new NativeSpawner();
const exits = new Map<number, number>();
const exitWaiters = new Map<number, () => void>();
spawner.onExit((pid) => {
  exits.set(pid, performance.now());
  exitWaiters.get(pid)?.();
});

const rssBefore = process.memoryUsage().rss;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const pids: number[] = [];
const rawFds: number[] = [];
for (let i = 0; i < count; i++) {
  if (raw) {
    const r = native.spawn(request.file, request.argv, ['PATH=/usr/bin:/bin'], null, -1, -1, -1, null, false);
    pids.push(r.pid);
    rawFds.push(r.stdin, r.stdout, r.stderr);
  } else {
    const child: ChildHandle = spawner.spawn(request);
    child.stdout.on('data', () => {});
    child.stderr?.on('data', () => {});
    pids.push(child.pid);
  }
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await new Promise((resolve) => setTimeout(resolve, 300));
const rssAfter = process.memoryUsage().rss;
console.log(
  `${mode}: ${count} children in ${wall.toFixed(0)} ms wall, ` +
    `${((cpu.user + cpu.system) / 1e6).toFixed(3)} CPU-s; RSS ${mb(rssBefore)} MB before, ${mb(rssAfter)} MB after ` +
    `(${((rssAfter - rssBefore) / count / 1024).toFixed(1)} KiB per child)`,
);

// Respawn latency: kill -9 one child, wait for its exit report, spawn a replacement.
const latencies: number[] = [];
for (let i = 0; i < 50 && !raw; i++) {
  const victim = pids[i]!;
  const reported = new Promise<void>((resolve) => exitWaiters.set(victim, resolve));
  const killedAt = performance.now();
  spawner.kill(victim, 'SIGKILL', false);
  await reported;
  pids[i] = spawner.spawn(request).pid;
  latencies.push(performance.now() - killedAt);
}
if (latencies.length) {
  latencies.sort((a, b) => a - b);
  const p = (q: number): string => latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(2);
  console.log(`kill -9 -> exit reported -> respawned: p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, max ${p(1)} ms`);
}

const allGone = new Promise<void>((resolve) => {
  const check = (): void => {
    if (pids.every((pid) => exits.has(pid))) resolve();
  };
  for (const pid of pids) exitWaiters.set(pid, check);
  check();
});
for (const pid of pids) spawner.kill(pid, 'SIGKILL', true);
for (const fd of rawFds) closeSync(fd);
// The SIGCHLD listener does not keep the loop alive (and in raw mode no socket does).
const keepAlive = setInterval(() => {}, 1000);
await allGone;
clearInterval(keepAlive);
spawner.close();
console.log(`all ${pids.length} exits reported`);

// logs: one child writes the stream (1 GiB as 64 KiB lines by default) to stdout; the
// supervisor captures it into logs.log rotated at stdout_logfile_maxbytes with 5 backups.
//
// Measured: supervisor CPU from the go signal until the files hold every byte (per GiB, and as a
// share of one core), throughput (writer start to the last log write), every byte accounted for
// (captured = retained + deleted by the backups limit; lost = written - captured), and the retained
// files compared byte for byte with the tail of the stream.
import { closeSync, constants, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { monoMs } from '../clock.js';
import { logsConfig, prepareRunDir } from '../config.js';
import { LogTracker, verifyRetained } from '../log-files.js';
import type { Daemon } from '../processes.js';
import { sampleCpu, sampleIo, type CpuSample, type IoSample } from '../procfs.js';
import { readIfExists, waitFor, type MetricDef, type Scenario, type Values } from '../scenario.js';
import type { Options } from '../options.js';

const GIB = 1024 * 1024 * 1024;

/** The command line that runs log-writer (compiled .js, or the .ts through tsx while developing). */
function writerCommand(args: string[]): string {
  const self = fileURLToPath(import.meta.url);
  const ext = extname(self);
  const writer = fileURLToPath(new URL(`../log-writer${ext}`, import.meta.url));
  const loader = ext === '.ts' ? ['--import', fileURLToPath(import.meta.resolve('tsx'))] : [];
  return [process.execPath, ...loader, writer, ...args].join(' ');
}

/** Opens the go FIFO for writing once the writer has it open for reading, and says go. */
async function signalGo(fifo: string, daemon: Daemon): Promise<void> {
  const deadline = monoMs() + 20_000;
  for (;;) {
    try {
      const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(fd, 'go');
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err; // ENXIO: no reader yet
    }
    daemon.assertAlive('waiting for the writer to open its go FIFO');
    if (monoMs() > deadline) throw new Error('the log writer never opened its go FIFO');
    await sleep(5);
  }
}

function stampValue(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key} (\\S+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

function metrics(o: Options): MetricDef[] {
  const base = o.log.totalBytes === GIB && o.log.maxbytes === '50MB' && o.log.backups === 5;
  const b = (v: number): number | undefined => (base ? v : undefined);
  return [
    { key: 'throughput_mbs', label: 'capture throughput, MB/s (writer start to last log write)', format: 0, agg: 'median', ratio: true, baseline: b(1379) },
    { key: 'cpu_s_per_gib', label: 'supervisor CPU during capture, CPU-s per GiB', format: 3, agg: 'median', ratio: true, target: { op: '<=', value: 0.5, text: '≤ 0.5' }, baseline: b(0.74) },
    { key: 'cpu_pct', label: 'supervisor CPU during capture, % of one core', format: 0, agg: 'median', ratio: true, baseline: b(94) },
    { key: 'syscalls_per_mib', label: 'supervisor read+write syscalls per MiB', format: 1, agg: 'median', ratio: true },
    { key: 'read_kib', label: 'supervisor mean bytes per read syscall, KiB', format: 1, agg: 'median' },
    { key: 'written', label: 'bytes written by the child', format: 'int', agg: 'median', baseline: b(GIB) },
    { key: 'captured', label: 'bytes captured (retained + deleted by rotation)', format: 'int', agg: 'min', baseline: b(GIB) },
    { key: 'lost', label: 'bytes lost (written - captured)', format: 'int', agg: 'max', target: { op: '==', value: 0, text: '= 0' }, baseline: b(0) },
    { key: 'content_ok', label: 'retained files are exactly the stream tail', format: 'bool', agg: 'min', target: { op: '==', value: 1, text: 'yes' }, baseline: b(1) },
    { key: 'rotations', label: 'rotations', format: 'int', agg: 'median', baseline: b(20) },
    { key: 'retained', label: 'bytes retained on disk', format: 'int', agg: 'median', baseline: b(287309824) },
    { key: 'deleted', label: 'bytes deleted by the backups limit', format: 'int', agg: 'median', baseline: b(786432000) },
  ];
}

export const logsScenario: Scenario = {
  name: 'logs',
  describe: (o) =>
    `logs: one child writes ${o.log.totalBytes / 1024 / 1024} MiB as ${o.log.lineBytes / 1024} KiB lines to stdout; ` +
    `stdout_logfile_maxbytes=${o.log.maxbytes}, backups=${o.log.backups}`,
  metrics,

  async run(ctx): Promise<Values> {
    const p = ctx.options.log;
    const files = prepareRunDir(ctx.dir);
    mkdirSync(join(ctx.dir, 'logs'));
    const goFifo = join(ctx.dir, 'go.fifo');
    execFileSync('mkfifo', [goFifo]);
    const genStamps = join(ctx.dir, 'gen.stamps');
    const command = writerCommand([genStamps, goFifo, String(p.totalBytes), String(p.lineBytes)]);
    writeFileSync(files.config, logsConfig(ctx.dir, p, command));

    ctx.step('starting the daemon and the log writer');
    const daemon = ctx.workspace.launch(ctx.impl.name, ctx.impl.command, ctx.impl.args(files.config), ctx.dir, files.output);
    ctx.setDaemon(daemon);
    await waitFor('the log writer to start', daemon, () => (stampValue(readIfExists(genStamps), 'ready') ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    await sleep(1000);

    const tracker = new LogTracker(join(ctx.dir, 'logs', 'logs.log'), p.backups);
    tracker.scan();
    let cpuEnd: CpuSample | null = null;
    let ioEnd: IoSample | null = null;
    const ioStart = sampleIo(daemon.pid);
    const cpuStart = sampleCpu(daemon.pid);
    // Follows rotations every 5 ms; notes the daemon's CPU as soon as every byte is on disk.
    const poll = setInterval(() => {
      tracker.scan();
      if (cpuEnd === null && tracker.capturedBytes >= p.totalBytes) {
        cpuEnd = sampleCpu(daemon.pid);
        ioEnd = sampleIo(daemon.pid);
      }
    }, 5);
    try {
      await signalGo(goFifo, daemon);
      ctx.step(`writing ${p.totalBytes / 1024 / 1024} MiB`);
      await waitFor('the writer to finish', daemon, () => (stampValue(readIfExists(genStamps), 'end') ? true : undefined), {
        timeoutMs: 600_000,
        intervalMs: 20,
      });
      // Then until the files hold every byte, or nothing has changed for 3 s (bytes were lost).
      let last = -1;
      let since = monoMs();
      await waitFor(
        'the log files to hold every byte',
        daemon,
        () => {
          if (cpuEnd !== null) return true;
          const c = tracker.capturedBytes;
          if (c !== last) {
            last = c;
            since = monoMs();
          }
          return monoMs() - since > 3000 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 20 },
      );
    } finally {
      clearInterval(poll);
    }
    tracker.scan();
    const end = cpuEnd ?? sampleCpu(daemon.pid);
    const io1 = ioEnd ?? sampleIo(daemon.pid);
    if (!cpuStart || !end || !ioStart || !io1) throw new Error('lost /proc access to the daemon');

    ctx.step('verifying the retained files against the stream');
    const check = verifyRetained(tracker, p.totalBytes, p.lineBytes);
    if (check.problem) ctx.step(`content check failed: ${check.problem}`);
    const stamps = readIfExists(genStamps);
    const startMs = stampValue(stamps, 'start') as number;
    const writtenMatch = /^end \S+ (\d+)/m.exec(stamps);
    const written = writtenMatch ? Number(writtenMatch[1]) : Number.NaN;
    const captureS = (check.lastWriteMs - startMs) / 1000;
    const writerS = ((stampValue(stamps, 'end') as number) - startMs) / 1000;
    ctx.step(`writer took ${writerS.toFixed(3)} s; last log write ${captureS.toFixed(3)} s after the writer started`);
    const cpuS = (end.schedNs - cpuStart.schedNs) / 1e9;

    const stopped = await daemon.terminate(60_000);
    if (stopped === null) throw new Error('the daemon did not exit within 60 s of SIGTERM');
    return {
      throughput_mbs: written / captureS / 1e6,
      cpu_s_per_gib: cpuS / (written / GIB),
      cpu_pct: (cpuS / captureS) * 100,
      syscalls_per_mib: (io1.syscr - ioStart.syscr + io1.syscw - ioStart.syscw) / (written / 1024 / 1024),
      read_kib: (io1.rchar - ioStart.rchar) / Math.max(1, io1.syscr - ioStart.syscr) / 1024,
      written,
      captured: tracker.capturedBytes,
      lost: written - tracker.capturedBytes,
      content_ok: check.contentOk ? 1 : 0,
      rotations: tracker.files - 1,
      retained: check.retainedBytes,
      deleted: tracker.capturedBytes - check.retainedBytes,
    };
  },
};

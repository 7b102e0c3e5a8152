// The logs scenario's child: writes `total` bytes of the stream-pattern to stdout as
// `lineBytes`-long lines, after a go signal. Usage:
//   node log-writer.js <stamps file> <go fifo> <total bytes> <line bytes>
// It appends "ready <ms>" once started, blocks opening the go FIFO until the harness opens it
// for writing, then appends "start <ms>", writes, and appends "end <ms> <bytes>".
//
// It writes the way a plain C or Python program would: one blocking write(2) per line. Node
// switches a stdout pipe to O_NONBLOCK as soon as anything touches process.stdout, so the pipe is
// reopened through /proc/self/fd/1, which gives a new open file description, blocking, of the
// same pipe.
import { appendFileSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { calibrateClock, realNowMs } from './clock.js';
import { fillLine, makeBase } from './stream-pattern.js';

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function main(): void {
  const [stamps, goFifo, totalArg, lineArg] = process.argv.slice(2);
  if (!stamps || !goFifo || !totalArg || !lineArg) throw new Error('usage: log-writer <stamps> <go fifo> <total> <line bytes>');
  const total = Number(totalArg);
  const lineBytes = Number(lineArg);
  if (total % lineBytes !== 0) throw new Error('total must be a multiple of the line size');
  const base = makeBase(lineBytes);
  const line = Buffer.allocUnsafe(lineBytes);
  const fd = openSync('/proc/self/fd/1', constants.O_WRONLY);

  appendFileSync(stamps, `ready ${realNowMs().toFixed(3)}\n`);
  readFileSync(goFifo); // blocks until the harness writes and closes
  calibrateClock();
  appendFileSync(stamps, `start ${realNowMs().toFixed(3)}\n`);
  let eagain = 0;
  for (let i = 0, lines = total / lineBytes; i < lines; i++) {
    fillLine(base, line, i);
    for (let off = 0; off < lineBytes; ) {
      try {
        off += writeSync(fd, line, off, lineBytes - off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        eagain++; // only if the reopened pipe were non-blocking after all
        sleepSync(1);
      }
    }
  }
  appendFileSync(stamps, `end ${realNowMs().toFixed(3)} ${total}\n`);
  if (eagain > 0) process.stderr.write(`log-writer: ${eagain} EAGAIN on stdout\n`);
}

main();

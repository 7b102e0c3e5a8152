/**
 * A process that appends exit events to a spool as fast as it can and prints each durable seq
 * on its own line, until it is killed: the other half of the spool's SIGKILL test.
 * Usage: node spool-writer.js DIR MAX_BYTES
 */
import { Spool } from '../../agent/link/spool.js';
import { recordingLogger } from './recording-logger.js';

const [dir, maxBytes] = process.argv.slice(2);
const spool = Spool.open(dir!, { maxBytes: Number(maxBytes), logger: recordingLogger() });
spool.onDurable((seq) => process.stdout.write(`${seq}\n`));
const burst = (): void => {
  for (let i = 0; i < 50; i++) {
    spool.append({ kind: 'exit', time: Date.now(), group: 'g', name: 'p', pid: 100 + i, exitStatus: 0, signal: null, expected: true });
  }
  setImmediate(burst);
};
burst();

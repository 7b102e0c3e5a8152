// Progress lines on stderr, one per step, so stdout stays clean for the table or --json.
import { monoMs } from './clock.js';

const started = monoMs();

export function progress(message: string): void {
  const t = ((monoMs() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${t}s] ${message}\n`);
}

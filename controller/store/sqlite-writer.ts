/**
 * The main thread's side of the store's writer thread (sqlite-writer-thread.ts): requests go out
 * in order and are answered in order, each as a promise. A failed request rejects with the
 * SQLite error (its code kept, for sqlite-errors.ts); a writer that died fails every request
 * from then on, and its owner hears of it once (`onDied`): nothing will be stored any more. The
 * worker keeps the process alive only while a request is waiting.
 */
import { Worker } from 'node:worker_threads';
import type { WriterRequest, WriterResponse, WriterResults } from './sqlite-writer-protocol.js';
import type { WriterThreadData } from './sqlite-writer-thread.js';

type Op = WriterRequest['op'];
type RequestOf<K extends Op> = Omit<Extract<WriterRequest, { op: K }>, 'id'>;

interface Waiting {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export class SqliteWriter {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    onDied: (err: Error) => void,
  ) {
    worker.unref();
    worker.on('message', (response: WriterResponse) => this.answer(response));
    worker.on('error', (err) => this.fail(err));
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        const died = this.closing === null;
        this.fail(new Error(`the store's writer thread ${died ? 'died' : 'ended'} (exit code ${code})`));
        if (died) onDied(this.failure!);
        resolve();
      });
    });
  }

  /**
   * Starts the thread on `path` (already migrated); rejects with the reason it cannot open it.
   * `onDied` hears of a thread that ends before close(). `script` is the thread's code (tests).
   */
  static async start(path: string, onDied: (err: Error) => void, script = new URL('./sqlite-writer-thread.js', import.meta.url)): Promise<SqliteWriter> {
    const data: WriterThreadData = { path };
    // The thread holds one batch at a time: a small young generation keeps its heap (and the
    // controller's RSS) small without costing it time.
    const worker = new Worker(script, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const writer = new SqliteWriter(worker, onDied);
    try {
      await writer.request('ready', {});
    } catch (err) {
      await writer.close().catch(() => undefined);
      throw err;
    }
    return writer;
  }

  request<K extends Op>(op: K, request: Omit<RequestOf<K>, 'op'>, transfer: ArrayBuffer[] = []): Promise<WriterResults[K]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    return new Promise<WriterResults[K]>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.worker.postMessage({ ...request, op, id }, transfer);
    });
  }

  /** Closes the thread's connection and ends it, after the requests already sent. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.failure) await this.request('close', {}).catch(() => undefined);
      await this.worker.terminate();
      await this.exited;
    })();
    return this.closing;
  }

  private answer(response: WriterResponse): void {
    const waiting = this.waiting.get(response.id);
    if (!waiting) return;
    this.waiting.delete(response.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (response.ok) waiting.resolve(response.result);
    else waiting.reject(Object.assign(new Error(response.error.message), { code: response.error.code }));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
  }
}

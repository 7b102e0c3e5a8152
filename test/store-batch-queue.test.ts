import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchQueue } from '../controller/store/batch-queue.js';

/** A queue whose commits are recorded, doubling each item, optionally waiting on `gate`. */
function recordingQueue(options: { windowMs?: number; maxRows?: number; fail?: (items: number[]) => boolean } = {}) {
  const commits: number[][] = [];
  let inCommit = 0;
  let overlapped = false;
  let gate: Promise<void> | null = null;
  const queue = new BatchQueue<number, number>(
    async (items) => {
      if (inCommit++ > 0) overlapped = true;
      try {
        commits.push(items);
        if (gate) await gate;
        if (options.fail?.(items)) throw new Error(`commit of ${items.join(',')} failed`);
        return items.map((n) => n * 2);
      } finally {
        inCommit--;
      }
    },
    { windowMs: options.windowMs ?? 10, maxRows: options.maxRows ?? 1000 },
  );
  return { queue, commits, overlapped: () => overlapped, hold: (p: Promise<void>) => (gate = p) };
}

test('items pushed within the window share one commit, each with its own result', async () => {
  const { queue, commits } = recordingQueue();
  const results = await Promise.all([queue.push(1, 1), queue.push(2, 1), queue.push(3, 1)]);
  assert.deepEqual(results, [2, 4, 6]);
  assert.deepEqual(commits, [[1, 2, 3]]);
});

test('a failed commit rejects each of its items, and the next commit goes ahead', async () => {
  const { queue, commits } = recordingQueue({ fail: (items) => items.includes(1) });
  const failed = await Promise.allSettled([queue.push(1, 1), queue.push(2, 1)]);
  assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
  assert.match(String((failed[0] as PromiseRejectedResult).reason), /commit of 1,2 failed/);
  assert.equal(await queue.push(3, 1), 6);
  assert.deepEqual(commits, [[1, 2], [3]]);
});

test('what arrives during a commit waits for the next one: commits never overlap', async () => {
  const { queue, commits, overlapped, hold } = recordingQueue({ windowMs: 1 });
  let release!: () => void;
  hold(new Promise<void>((resolve) => (release = resolve)));
  const first = queue.push(1, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(commits, [[1]], 'the first commit has started and is held');
  const second = queue.push(2, 1);
  const third = queue.push(3, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(commits, [[1]], 'nothing else starts while it runs');
  release();
  assert.deepEqual(await Promise.all([first, second, third]), [2, 4, 6]);
  assert.deepEqual(commits, [[1], [2, 3]]);
  assert.equal(overlapped(), false);
});

test('a full batch commits at once instead of waiting for the window', async () => {
  const { queue, commits } = recordingQueue({ windowMs: 60_000, maxRows: 10 });
  const small = queue.push(1, 4);
  const big = queue.push(2, 6);
  assert.deepEqual(await Promise.all([small, big]), [2, 4]);
  assert.deepEqual(commits, [[1, 2]]);
  assert.equal(queue.pendingRows, 0);
});

test('flush() commits what waits without waiting for the window', async () => {
  const { queue, commits } = recordingQueue({ windowMs: 60_000 });
  const pending = queue.push(5, 1);
  assert.equal(queue.pendingRows, 1);
  await queue.flush();
  assert.deepEqual(commits, [[5]]);
  assert.equal(await pending, 10);
  await queue.flush();
  assert.deepEqual(commits, [[5]], 'an empty flush commits nothing');
});

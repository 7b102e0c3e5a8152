import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkTimes } from '../agent/logs/chunk-times.js';

test('each byte gets the time of the chunk that holds it', () => {
  const times = new ChunkTimes();
  times.record(100, 1_000);
  times.record(150, 1_005);
  times.record(400, 1_009);
  assert.equal(times.timeAt(99), null, 'before the first chunk');
  assert.equal(times.timeAt(100), 1_000);
  assert.equal(times.timeAt(149), 1_000);
  assert.equal(times.timeAt(150), 1_005);
  assert.equal(times.timeAt(399), 1_005);
  assert.equal(times.timeAt(400), 1_009);
});

test('chunks captured in the same millisecond share one entry', () => {
  const times = new ChunkTimes(2);
  times.record(0, 7);
  times.record(10, 7);
  times.record(20, 7);
  times.record(30, 8);
  assert.equal(times.timeAt(25), 7);
  assert.equal(times.timeAt(0), 7, 'three chunks of one millisecond took one of the two slots');
});

test('a full index forgets the oldest chunks first', () => {
  const times = new ChunkTimes(100);
  for (let i = 0; i < 250; i++) times.record(i * 10, 5_000 + i);
  assert.equal(times.timeAt(1_499), null);
  assert.equal(times.timeAt(1_500), 5_150);
  assert.equal(times.timeAt(2_000), 5_200);
  assert.equal(times.timeAt(2_495), 5_249);
});

test('an empty index knows no times', () => {
  const times = new ChunkTimes();
  assert.equal(times.timeAt(0), null);
});

test('capacity must be a positive integer', () => {
  assert.throws(() => new ChunkTimes(0), RangeError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureRlimits, type RlimitOps } from '../agent/daemon/rlimits.js';
import { native } from '../agent/native/addon.js';

/** Limits held in memory; setrlimit refuses to raise the hard limit unless `root`. */
function limits(nofile: [number, number], nproc: [number, number], root: boolean): RlimitOps & { state: Record<string, [number, number]> } {
  const state: Record<string, [number, number]> = { nofile, nproc };
  return {
    state,
    getrlimit: (r) => ({ soft: state[r]![0], hard: state[r]![1] }),
    setrlimit: (r, soft, hard) => {
      if (hard > state[r]![1] && !root) return 'EPERM';
      state[r] = [soft, hard];
      return null;
    },
  };
}

test('limits already at the minimum are left alone', () => {
  const ops = limits([4096, 4096], [500, 500], false);
  assert.deepEqual(ensureRlimits({ minfds: 1024, minprocs: 200 }, ops), []);
  assert.deepEqual(ops.state, { nofile: [4096, 4096], nproc: [500, 500] });
});

test('a soft limit below the minimum is raised up to it', () => {
  const ops = limits([256, 4096], [100, 1000], false);
  assert.deepEqual(ensureRlimits({ minfds: 1024, minprocs: 200 }, ops), ['Increased RLIMIT_NOFILE limit to 1024', 'Increased RLIMIT_NPROC limit to 200']);
  assert.deepEqual(ops.state, { nofile: [1024, 4096], nproc: [200, 1000] });
});

test('root raises the hard limit too', () => {
  const ops = limits([256, 512], [500, 500], true);
  ensureRlimits({ minfds: 1024, minprocs: 200 }, ops);
  assert.deepEqual(ops.state.nofile, [1024, 1024]);
});

test('a hard limit below the minimum is a start-up error with supervisord\'s text when not root', () => {
  const ops = limits([256, 512], [500, 500], false);
  assert.throws(() => ensureRlimits({ minfds: 1024, minprocs: 200 }, ops), /The minimum number of file descriptors required to run this process is 1024 .* will only allow you to open 512 file descriptors/);
});

test('unlimited soft limits need nothing', () => {
  const ops = limits([Infinity, Infinity], [Infinity, Infinity], false);
  assert.deepEqual(ensureRlimits({ minfds: 1 << 20, minprocs: 1 << 20 }, ops), []);
});

test('the real process limits satisfy the defaults after ensureRlimits', () => {
  ensureRlimits({ minfds: 1024, minprocs: 200 }, native);
  assert.ok(native.getrlimit('nofile').soft >= 1024);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runAgentOnce } from './helpers/agent-process.js';

test('the quick-start config that npm start runs is valid and lists its programs', async () => {
  const root = repoRoot();
  // npm start creates this directory before starting the agent; the config's logs live there.
  mkdirSync(join(root, '.fleetvisor-dev'), { recursive: true });
  const r = await runAgentOnce(['--check', '-c', join(root, 'examples', 'quickstart.conf')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warnings');
  assert.match(r.stdout, /3 groups, 4 processes \(3 autostart\)/);
  for (const name of ['flaky', 'manual', 'ticker:ticker_0', 'ticker:ticker_1']) assert.match(r.stdout, new RegExp(`^${name}\\s`, 'm'));
});

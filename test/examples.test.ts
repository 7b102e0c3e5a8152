import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, repoRoot, runAgentOnce } from './helpers/agent-process.js';
import { freePort } from './helpers/free-port.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

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

test('npm start runs a controller and an agent on the quick-start config, prints the dashboard URL, and Ctrl-C stops everything', async () => {
  const tmp = makeTempDir();
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  cpSync(join(repoRoot(), 'examples'), join(tmp.path, 'examples'), { recursive: true });
  const config = join(tmp.path, 'examples', 'quickstart.conf');
  writeFileSync(config, readFileSync(config, 'utf8').replace('controller = 127.0.0.1:7400', `controller = 127.0.0.1:${grpcPort}`));
  const launcher = spawn(
    process.execPath,
    [join(repoRoot(), 'dist', 'deploy', 'quickstart.js'), '--config', config, '--listen', `127.0.0.1:${grpcPort}`, '--http', `127.0.0.1:${httpPort}`, '--dir', join(tmp.path, '.fleetvisor-dev')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  launcher.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  launcher.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = once(launcher, 'exit');
  try {
    await waitFor(() => /Ctrl-C stops everything/.test(out), { timeoutMs: 30_000, what: `the launcher's ready text; output:\n${out}` });
    assert.match(out, new RegExp(`dashboard +http://127\\.0\\.0\\.1:${httpPort}`));
    const page = await fetch(`http://127.0.0.1:${httpPort}/`).then((r) => r.text());
    assert.match(page, /ticker/, 'the dashboard page lists the agent\'s processes');
    const statusJson = (): { processes: Array<{ name: string; group: string; pid: number }> } => {
      const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'fleetctl'), '--controller', `127.0.0.1:${grpcPort}`, '--insecure', 'status', '-A', '-o', 'json'], { encoding: 'utf8' });
      return JSON.parse(r.stdout);
    };
    // The autostart programs reach the controller a moment after the agent's link is up.
    const rows = await waitFor(() => {
      const { processes } = statusJson();
      return processes.filter((r) => r.pid > 0).length >= 3 ? processes : null;
    }, { what: 'the three autostart programs running in the controller\'s view' });
    assert.deepEqual(rows.map((r) => `${r.group}:${r.name}`).sort(), ['flaky:flaky', 'manual:manual', 'ticker:ticker_0', 'ticker:ticker_1']);
    const pids = rows.filter((r) => r.pid > 0).map((r) => r.pid);
    launcher.kill('SIGINT');
    const [code] = await exited;
    assert.equal(code, 0, out);
    assert.match(out, /Stopped\.\n$/);
    assert.deepEqual(pids.filter(pidAlive), [], 'no child of the agent is left');
  } finally {
    if (launcher.exitCode === null) {
      launcher.kill('SIGTERM');
      await exited;
    }
    tmp.remove();
  }
});

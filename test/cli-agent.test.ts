// fleetctl end to end against a real fleet-agent: tail -f on a growing and rotating log, a 10 MB
// line, a wrong password, fg, JSON output, and the shell over a pipe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startAgent, writeConfig, type RunningAgent } from './helpers/agent-process.js';
import { FLEETCTL, runCli } from './helpers/parity.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetctl-e2e-');
let agent: RunningAgent;
let conf: string;
let authConf: string;
const TEN_MB = 10 * 1024 * 1024;

before(async () => {
  conf = writeConfig(
    tmp.path,
    `[unix_http_server]
file = %(here)s/s.sock
username = admin
password = {SHA}${'d033e22ae348aeb5660fc2140aec35850c4da997'}

[supervisord]
logfile = %(here)s/agent.log
pidfile = %(here)s/agent.pid
childlogdir = %(here)s

[supervisorctl]
serverurl = unix://%(here)s/s.sock
username = admin
password = admin

[fleet]
state_dir = %(here)s/state

[program:ticker]
command = sh -c 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.05; done'
startsecs = 0
stdout_logfile = %(here)s/ticker.log
stdout_logfile_maxbytes = 2KB
stdout_logfile_backups = 1

[program:big]
command = sh -c 'head -c ${TEN_MB} /dev/zero | tr "\\000" x; exec sleep 1000'
startsecs = 0
stdout_logfile = %(here)s/big.log
stdout_logfile_maxbytes = 0

[program:cat]
command = cat
startsecs = 0
stdout_logfile = %(here)s/cat.log
`,
  );
  authConf = writeConfig(tmp.path, '[supervisorctl]\nserverurl = unix://%(here)s/s.sock\nusername = admin\npassword = wrong\n', 'wrong.conf');
  agent = startAgent(['-n', '-c', conf], { cwd: tmp.path });
  let status = '';
  await waitFor(
    async () => {
      const r = await ctl(['status']);
      status = `exit ${r.code}: ${r.stdout}${r.stderr}`;
      return r.code === 0;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: () => `agent up; last status: ${status}; agent output:\n${agent?.output()}` },
  );
});

after(async () => {
  await agent?.stop('SIGTERM');
  tmp.remove();
});

function ctl(words: string[], options: { config?: string; input?: string } = {}): ReturnType<typeof runCli> {
  return runCli([process.execPath, FLEETCTL, '-c', options.config ?? conf, ...words], { cwd: tmp.path, input: options.input });
}

/** Runs `fleetctl tail -f`-like commands until `until` matches the output, then sends Ctrl-C (SIGINT). */
async function followUntil(words: string[], until: (out: string) => boolean): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, [FLEETCTL, '-c', conf, ...words], { cwd: tmp.path, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = once(child, 'exit');
  try {
    await waitFor(() => until(out), { timeoutMs: 15_000, what: `${words.join(' ')} output; so far:\n${out.slice(-500)}` });
  } finally {
    child.kill('SIGINT');
  }
  const [code] = (await exited) as [number | null];
  return { out, code };
}

test('tail -f follows a growing log across rotations, in order, and exits 0 at Ctrl-C with an empty line', async () => {
  const { out, code } = await followUntil(['tail', '-f', 'ticker'], (o) => (o.match(/tick \d+\n/g) ?? []).length >= 80);
  assert.equal(code, 0);
  assert.ok(out.startsWith('==> Press Ctrl-C to exit <==\n'), out.slice(0, 80));
  assert.ok(out.endsWith('\n\n'), 'an empty line after Ctrl-C');
  // 80 lines of ~8 bytes cross the 2 KB rotation at least once; the numbers still only go up.
  const ticks = [...out.matchAll(/tick (\d+)\n/g)].map((m) => Number(m[1]));
  for (let i = 1; i < ticks.length; i++) assert.ok(ticks[i]! > ticks[i - 1]!, `tick ${ticks[i]} after ${ticks[i - 1]}`);
});

test('maintail -f streams the activity log', async () => {
  const follower = followUntil(['maintail', '-f'], (o) => o.includes("stopped: cat"));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await ctl(['restart', 'cat']);
  const { out, code } = await follower;
  assert.equal(code, 0);
  assert.match(out, /^==> Press Ctrl-C to exit <==\n/);
});

test('a 10 MB single log line: tail prints its last 1600 bytes, tail -N all of it', async () => {
  await waitFor(async () => (await ctl(['tail', '-1', 'big'])).stdout === 'x\n', { timeoutMs: 15_000, what: 'the big line written' });
  await waitFor(async () => (await ctl(['tail', `-${TEN_MB + 10}`, 'big'])).stdout.length === TEN_MB + 1, { timeoutMs: 15_000, what: 'all 10 MB' });
  const short = await ctl(['tail', 'big']);
  assert.deepEqual(short, { stdout: `${'x'.repeat(1600)}\n`, stderr: '', code: 0 });
});

test('a wrong password prints supervisorctl message and exits 1; -u and -p override the file', async () => {
  assert.deepEqual(await ctl(['status'], { config: authConf }), { stdout: 'Server requires authentication\n', stderr: '', code: 1 });
  assert.deepEqual(await ctl(['avail'], { config: authConf }), { stdout: 'Server requires authentication\n', stderr: '', code: 1 });
  const withFlags = await runCli([process.execPath, FLEETCTL, '-s', `unix://${join(tmp.path, 's.sock')}`, '-u', 'admin', '-p', 'admin', 'pid', 'cat'], { cwd: tmp.path });
  assert.match(withFlags.stdout, /^[1-9]\d*\n$/);
});

test('with -i a rejected login asks for a username and password and tries again', async () => {
  // The answers come from stdin; the password prompt goes to stderr, as getpass's without a tty.
  const r = await ctl(['-i', 'version'], { config: authConf, input: 'admin\nadmin\n' });
  assert.equal(r.code, 0, JSON.stringify(r));
  assert.match(r.stdout, /^Server requires authentication\nUsername:\n\d+\.\d+\.\d+\n$/);
  assert.equal(r.stderr, 'Password:');
});

test('fg sends typed lines to the process and leaves at end of input', async () => {
  const r = await ctl(['fg', 'cat'], { input: 'hello from fg\n' });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^==> Press Ctrl-C to exit <==\n/);
  assert.match(r.stdout, /Exiting foreground\n$/);
  await waitFor(async () => (await ctl(['tail', 'cat'])).stdout.includes('hello from fg\n'), { timeoutMs: 5000, what: 'the line in the log' });
});

test('status -o json is one document with the processes, and keeps the exit code', async () => {
  const r = await ctl(['status', '-o', 'json', 'cat', 'nosuch']);
  assert.equal(r.code, 4);
  const doc = JSON.parse(r.stdout) as { processes: Array<{ namespec: string; state: string; pid: number }>; errors: unknown[] };
  assert.equal(doc.processes[0]!.namespec, 'cat');
  assert.equal(doc.processes[0]!.state, 'RUNNING');
  assert.ok(doc.processes[0]!.pid > 0);
  assert.deepEqual(doc.errors, [{ name: 'nosuch', error: 'no such process' }]);
});

test('the shell over a pipe: status first, the prompt, commands, and exit 0 at EOF', async () => {
  const r = await ctl([], { input: 'pid cat\nnosuch\n' });
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^big {30}RUNNING   pid \d+, uptime /);
  assert.match(r.stdout, /\nsupervisor> \d+\nsupervisor> \*\*\* Unknown syntax: nosuch\nsupervisor> \n$/);
});

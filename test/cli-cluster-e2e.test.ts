// fleetctl in cluster mode end to end: a real fleet-controller process (--insecure, a port the
// system picks, a temp data dir), two real fleet-agents linked to it as hosts alpha and beta,
// and fleetctl run as a process, as a user runs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent, writeConfig, type RunningAgent } from './helpers/agent-process.js';
import { runFleetctl, startControllerProcess, startFleetctl, type ControllerProcess, type FleetctlResult } from './helpers/controller-process.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetctl-cluster-');
let controller: ControllerProcess;
const agents = new Map<string, RunningAgent>();

function agentConfig(hostName: string, labels: string): string {
  const dir = join(tmp.path, hostName);
  mkdirSync(dir, { recursive: true });
  return writeConfig(
    dir,
    `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\nchildlogdir = %(here)s\n` +
      `[unix_http_server]\nfile = %(here)s/agent.sock\n` +
      `[fleet]\nhost = ${hostName}\nlabels = ${labels}\ncontroller = ${controller.address}\ninsecure = true\nstate_dir = %(here)s/state\n` +
      `[program:talker]\ncommand = /bin/sh -c 'echo hello from ${hostName}; echo second line; exec sleep 1000'\nstartsecs = 0\n` +
      `[program:sleeper]\ncommand = sleep 1000\nstartsecs = 0\n` +
      `[program:crash]\ncommand = /bin/sh -c 'echo going down; exit 3'\nautostart = false\nautorestart = false\nstartsecs = 0\n`,
  );
}

/** fleetctl against the test's controller. */
function ctl(...args: string[]): Promise<FleetctlResult> {
  return runFleetctl(['--controller', controller.address, '--insecure', ...args], { FLEET_HOST: 'alpha' });
}

before(async () => {
  controller = await startControllerProcess(join(tmp.path, 'controller'), ['--heartbeat', '500ms']);
  for (const [name, labels] of [
    ['alpha', 'role=web,zone=eu-1'],
    ['beta', 'role=db,zone=eu-1'],
  ] as const) {
    agents.set(name, startAgent(['-n', '-c', agentConfig(name, labels)]));
  }
  await waitFor(
    async () => {
      const r = await ctl('status', '-A');
      return r.stdout.match(/RUNNING/g)?.length === 4 ? r : null;
    },
    { what: 'both agents connected with their talker and sleeper running', timeoutMs: 20_000 },
  );
});

after(async () => {
  await Promise.all([...agents.values()].map((a) => a.stop()));
  await controller?.stop();
  tmp.remove();
});

test('status -A lists both hosts\' processes by host then name, and exits 3 for the stopped one', async () => {
  const r = await ctl('status', '-A');
  const rows = r.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' '));
  assert.deepEqual(rows, ['alpha/crash STOPPED', 'alpha/sleeper RUNNING', 'alpha/talker RUNNING', 'beta/crash STOPPED', 'beta/sleeper RUNNING', 'beta/talker RUNNING']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 3);
  const mine = await ctl('status', 'sleeper', 'talker');
  assert.deepEqual([mine.code, mine.stdout.match(/^\S+/gm)], [0, ['alpha/sleeper', 'alpha/talker']], 'FLEET_HOST is the default host');
  const db = await ctl('status', '--hosts', 'role=db', '-o', 'json');
  const doc = JSON.parse(db.stdout) as { processes: Array<{ address: string; host_state: string }> };
  assert.deepEqual(doc.processes.map((p) => p.address), ['beta/crash', 'beta/sleeper', 'beta/talker']);
});

test('hosts shows both hosts connected with labels, version and counts', async () => {
  const r = await ctl('hosts');
  assert.equal(r.code, 0);
  const [header, alpha, beta] = r.stdout.trimEnd().split('\n');
  assert.match(header!, /^NAME\s+STATE\s+LABELS\s+VERSION\s+LAST SEEN\s+PROCESSES$/);
  assert.match(alpha!, /^alpha\s+connected\s+role=web,zone=eu-1\s+\d+\.\d+\.\d+\s+\S.*\s+STOPPED=1,RUNNING=2$/);
  assert.match(beta!, /^beta\s+connected\s+role=db,zone=eu-1\s/);
});

test('stop and start fan out to both hosts with one line per process', async () => {
  const stopped = await ctl('stop', '-A', 'sleeper');
  assert.deepEqual([stopped.code, stopped.stdout.split('\n').filter(Boolean).sort()], [0, ['alpha/sleeper: stopped', 'beta/sleeper: stopped']]);
  const status = await ctl('status', '-A', 'sleeper');
  assert.equal(status.code, 3);
  assert.deepEqual(status.stdout.match(/^\S+\s+\S+/gm), ['alpha/sleeper                    STOPPED', 'beta/sleeper                     STOPPED']);
  const started = await ctl('start', '--hosts', 'zone=eu-1', 'sleeper', 'nosuch');
  assert.deepEqual(started.stdout.split('\n').filter(Boolean).sort(), ['ERROR (no such process: nosuch)', 'alpha/sleeper: started', 'beta/sleeper: started']);
  assert.equal(started.code, 1);
  const again = await ctl('start', '-A', 'sleeper');
  assert.deepEqual([again.code, again.stdout.split('\n').filter(Boolean).sort()], [0, ['alpha/sleeper: ERROR (already started)', 'beta/sleeper: ERROR (already started)']]);
});

test('logs merges both hosts\' output, each line prefixed with host/name', async () => {
  const r = await ctl('logs', '-A', 'talker');
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), [
    '[alpha/talker] hello from alpha',
    '[alpha/talker] second line',
    '[beta/talker] hello from beta',
    '[beta/talker] second line',
  ]);
});

test('logs -f follows new output until Ctrl-C and exits 0', async () => {
  const follow = startFleetctl(['--controller', controller.address, '--insecure', 'logs', '-f', 'beta/crash']);
  // Output from before the subscription is not shown: start the crasher until its line comes through.
  await waitFor(
    async () => {
      const start = await ctl('start', 'beta/crash');
      assert.equal(start.stdout, 'beta/crash: started\n');
      return follow.stdout().includes('[beta/crash] going down\n');
    },
    { what: `the crash line; got ${JSON.stringify(follow.stdout())}`, intervalMs: 200 },
  );
  const r = await follow.stop('SIGINT');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('history shows the transitions and the exit status after a crash', async () => {
  const start = await ctl('start', 'crash');
  assert.equal(start.stdout, 'alpha/crash: started\n');
  const r = await waitFor(
    async () => {
      const h = await ctl('history', 'crash', '--since', '10m');
      return /exited with status 3 \(not expected\)/.test(h.stdout) && /RUNNING -> EXITED/.test(h.stdout) ? h : null;
    },
    { what: "alpha/crash's exit in the history" },
  );
  assert.equal(r.code, 0);
  // Process lines carry the process's address; operator actions on the host may come along.
  const lines = r.stdout.trimEnd().split('\n').filter((l) => !/  action /.test(l));
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  alpha\/crash  /);
  assert.ok(lines.some((l) => l.endsWith('STOPPED -> STARTING')), r.stdout);
  const json = JSON.parse((await ctl('history', '-A', '--limit', '500', '-o', 'json')).stdout) as { entries: Array<{ kind: string; action?: string; result?: string }> };
  assert.ok(json.entries.some((e) => e.kind === 'action' && e.action === 'start'), 'operator actions are in the history');
});

test('without a command, the cluster shell runs status, then the lines it reads', async () => {
  const r = await runFleetctl(['--controller', controller.address, '--insecure', '--host', 'beta'], {}, 20_000, 'hosts beta\nstatus talker\nquit\n');
  assert.equal(r.code, 0, r.stderr);
  const screens = r.stdout.split('fleet> ');
  assert.equal(screens.length, 4, r.stdout);
  assert.match(screens[0]!, /^beta\/crash\s+(STOPPED|EXITED)\s.*\nbeta\/sleeper\s+RUNNING\s.*\nbeta\/talker\s+RUNNING\s/);
  assert.match(screens[1]!, /^NAME\s+STATE.*\nbeta\s+connected\s/);
  assert.match(screens[2]!, /^beta\/talker\s+RUNNING\s+pid \d+/);
});

test('reread and update act on the hosts in scope, each line with its host in front', async () => {
  const conf = join(tmp.path, 'alpha', 'supervisord.conf');
  writeFileSync(conf, `${readFileSync(conf, 'utf8')}[program:extra]\ncommand = sleep 1000\nstartsecs = 0\n`);
  const reread = await ctl('reread', '-A');
  assert.deepEqual([reread.code, reread.stdout.split('\n').filter(Boolean).sort()], [0, ['alpha: extra: available', 'beta: No config updates to processes']]);
  const update = await ctl('update');
  assert.deepEqual([update.code, update.stdout], [0, 'alpha: extra: added process group\n']);
  const status = await waitFor(async () => {
    const r = await ctl('status', 'extra');
    return r.code === 0 ? r : null;
  }, { what: 'alpha/extra running' });
  assert.match(status.stdout, /^alpha\/extra\s+RUNNING\s+pid \d+/);
});

test('a stopped agent shows as disconnected; commands to it fail fast with its error and exit 4', async () => {
  const events = startFleetctl(['--controller', controller.address, '--insecure', 'events', '-f', '-A']);
  // The watch is in place once an operator action shows up in it.
  await waitFor(async () => (await ctl('start', 'alpha/sleeper')) && /  action start alpha\/sleeper by /.test(events.stdout()), {
    what: `the watch to show an action; got ${events.stdout()}`,
    intervalMs: 200,
  });
  await agents.get('beta')!.stop();
  await waitFor(async () => /^beta\s+disconnected/m.test((await ctl('hosts')).stdout), { what: 'beta disconnected', timeoutMs: 10_000 });

  const status = await ctl('status', '-A', 'sleeper');
  // The last known state is what the agent sent before it went (RUNNING, or STOPPING as it shut down).
  assert.match(status.stdout, /^beta\/sleeper\s+(RUNNING|STOPPING)\s.*\[last known; host disconnected, last seen (just now|\d+s ago)\]$/m, status.stderr);
  assert.match(status.stderr, /^beta: WARNING \(host disconnected, last seen /m);
  assert.equal(status.code, 4);

  const start = await ctl('start', 'beta/sleeper');
  assert.match(start.stdout, /^beta: ERROR \(host unreachable: beta is disconnected \(last seen .* ago\)\)\n$/);
  assert.equal(start.code, 4);
  assert.ok(start.ms < 5000, `failed fast (${start.ms} ms)`);
  const both = await ctl('restart', '-A', 'sleeper');
  assert.deepEqual(both.stdout.split('\n').filter(Boolean).sort(), ['alpha/sleeper: restarted', both.stdout.match(/^beta: ERROR \(host unreachable: .*\)$/m)![0]]);
  assert.equal(both.code, 4);

  await waitFor(() => /  beta  host disconnected\n/.test(events.stdout()), { what: `beta's liveness change in events; got ${events.stdout()}` });
  await waitFor(() => /  alpha\/sleeper  RUNNING -> STOPPING\n/.test(events.stdout()), { what: `the restart's transitions in events; got ${events.stdout()}` });
  const r = await events.stop('SIGINT');
  assert.equal(r.code, 0, r.stderr);
});

test('a controller that is not there is named, with what to check, and exit 4', async () => {
  const r = await runFleetctl(['--controller', '127.0.0.1:1', '--insecure', 'status', '-A']);
  assert.equal(r.code, 4);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^fleetctl: cannot reach the controller at 127\.0\.0\.1:1: connection refused\nCheck that fleet-controller is running there/);
  const insecure = await runFleetctl(['status'], { FLEET_CONTROLLER: controller.address, XDG_CONFIG_HOME: '/nonexistent' });
  assert.equal(insecure.code, 2);
  assert.match(insecure.stderr, /add --insecure \(or FLEET_INSECURE=1\)/);
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import type { AgentClient } from '../cli/client/agent-client.js';
import { connectAgent } from '../cli/client/grpc-agent-client.js';
import { isFleetError } from '../common/errors.js';
import { isAlive } from '../agent/daemon/proc-stat.js';
import { readText, runAgentOnce, startAgent, writeConfig, type RunningAgent } from './helpers/agent-process.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = makeTempDir('fleetvisor-control-agent-');
const agents: RunningAgent[] = [];
const clients: AgentClient[] = [];
const children = new Set<number>();
after(async () => {
  for (const c of clients) c.close();
  for (const a of agents) await a.stop('SIGKILL');
  for (const pid of children) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  tmp.remove();
});

function setup(name: string, body: string, servers = '[unix_http_server]\nfile = %(here)s/agent.sock\n'): { dir: string; conf: string; sock: string } {
  const dir = join(tmp.path, name);
  mkdirSync(dir);
  const conf = writeConfig(dir, `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\nchildlogdir = %(here)s\n[fleet]\nstate_dir = %(here)s/state\n${servers}\n${body}`);
  return { dir, conf, sock: join(dir, 'agent.sock') };
}

function run(conf: string): RunningAgent {
  const agent = startAgent(['-n', '-c', conf]);
  agents.push(agent);
  return agent;
}

function client(url: string): AgentClient {
  const c = connectAgent(url);
  clients.push(c);
  return c;
}

async function pidOf(c: AgentClient, name: string): Promise<number> {
  const info = await waitFor(async () => {
    const p = await c.getProcess({ group: name, name });
    return p.statename === 'RUNNING' ? p : null;
  }, { what: `${name} RUNNING` });
  children.add(info.pid);
  return info.pid;
}

const ENV_PRINTER = `[program:env]\ncommand = /bin/sh -c 'echo "$SUPERVISOR_SERVER_URL"; exec sleep 1000'\nstartsecs = 0\n`;

test('fleet-agent serves its API on the configured socket and tells children where it is (SUPERVISOR_SERVER_URL)', async () => {
  const t = setup('env', ENV_PRINTER);
  const agent = run(t.conf);
  await agent.waitForOutput(/success: env entered RUNNING state/);
  const c = client(`unix://${t.sock}`);
  assert.equal((await c.getState()).pid, agent.proc.pid);
  await pidOf(c, 'env');
  const log = { process: { group: 'env', name: 'env' }, channel: 'stdout' as const, offset: 0, length: 0, tail: false };
  await waitFor(async () => (await c.readLog(log)).data.toString() === `unix://${t.sock}\n`, { what: 'the URL in the log' });
  assert.match(readText(join(t.dir, 'agent.log')), /CRIT Server 'unix_http_server' running without any HTTP authentication checking/);
  assert.equal(await agent.stop('SIGTERM'), 0);
  assert.equal(existsSync(t.sock), false, 'the socket is removed at exit');
});

test('with only [inet_http_server], children get its http:// URL with localhost for all interfaces', async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, 'close');
  const t = setup('inet', ENV_PRINTER, `[inet_http_server]\nport = ${port}\n`);
  const agent = run(t.conf);
  await agent.waitForOutput(/success: env entered RUNNING state/);
  const c = client(`http://127.0.0.1:${port}`);
  const log = { process: { group: 'env', name: 'env' }, channel: 'stdout' as const, offset: 0, length: 0, tail: false };
  await waitFor(async () => (await c.readLog(log)).data.toString() === `http://localhost:${port}\n`, { what: 'the URL in the log' });
  await pidOf(c, 'env');
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('shutdown through the API is answered, refuses further calls while programs stop, and the agent exits 0', async () => {
  // A program that ignores SIGTERM keeps the agent stopping for stopwaitsecs.
  const t = setup('shutdown', `[program:stubborn]\ncommand = /bin/sh -c 'trap "" TERM; while :; do sleep 0.1; done'\nstartsecs = 0\nstopwaitsecs = 2\n`);
  const agent = run(t.conf);
  await agent.waitForOutput(/success: stubborn entered RUNNING state/);
  const c = client(`unix://${t.sock}`);
  await pidOf(c, 'stubborn');
  await c.shutdown(false);
  await assert.rejects(c.getState(), (err: unknown) => isFleetError(err, 'SHUTDOWN_STATE'));
  await assert.rejects(c.shutdown(false), (err: unknown) => isFleetError(err, 'SHUTDOWN_STATE'));
  assert.equal(await agent.stop('SIGCONT'), 0);
  const log = readText(join(t.dir, 'agent.log'));
  assert.match(log, /killing stubborn|WARN killing 'stubborn'/);
  assert.doesNotMatch(log, /received SIG/, 'an API shutdown is not a signal');
  assert.equal(existsSync(t.sock), false);
});

test('restart through the API reloads the config in the same agent and serves again on the socket', async () => {
  const t = setup('restart', `[program:first]\ncommand = /bin/sh -c 'exec sleep 1000'\nstartsecs = 0\n`);
  const agent = run(t.conf);
  await agent.waitForOutput(/success: first entered RUNNING state/);
  const c = client(`unix://${t.sock}`);
  const before = await pidOf(c, 'first');
  writeFileSync(t.conf, readText(t.conf) + `[program:second]\ncommand = /bin/sh -c 'exec sleep 1000'\nstartsecs = 0\n`);
  await c.shutdown(true);
  await agent.waitForOutput(/reloaded /);
  const after = client(`unix://${t.sock}`);
  const firstAgain = await waitFor(async () => {
    try {
      return await pidOf(after, 'first');
    } catch {
      return null;
    }
  }, { what: 'the reloaded agent to answer' });
  assert.notEqual(firstAgain, before, 'every program was restarted');
  await pidOf(after, 'second');
  assert.equal((await after.getState()).pid, agent.proc.pid, 'the same agent process');
  assert.equal(await agent.stop('SIGTERM'), 0);
});

test('a second agent on a live socket exits 2 with supervisord\'s message; after a SIGKILL the stale socket is replaced', async () => {
  const t = setup('twice', `[program:one]\ncommand = /bin/sh -c 'exec sleep 1000'\nstartsecs = 0\n`);
  const first = run(t.conf);
  await first.waitForOutput(/success: one entered RUNNING state/);
  // Another config (own state and pidfile) that names the same socket.
  const other = join(t.dir, 'other');
  mkdirSync(other);
  const conf2 = writeConfig(other, `[supervisord]\nlogfile = %(here)s/agent.log\npidfile = %(here)s/agent.pid\n[fleet]\nstate_dir = %(here)s/state\n[unix_http_server]\nfile = ${t.sock}\n[program:two]\ncommand = /bin/sh -c 'exec sleep 1000'\n`);
  const second = await runAgentOnce(['-n', '-c', conf2]);
  assert.equal(second.code, 2);
  assert.equal(
    second.stderr,
    'Error: Another program is already listening on a port that one of our HTTP servers is configured to use.  ' +
      'Shut this program down first before starting supervisord.\nFor help, use fleet-agent -h\n',
  );
  assert.doesNotMatch(readText(join(other, 'agent.log')), /spawned: 'two'/, 'nothing was started');
  // Daemonized, the foreground copy reports the same text and exit code.
  const daemonized = await runAgentOnce(['-c', conf2]);
  assert.deepEqual([daemonized.code, daemonized.stderr], [2, second.stderr]);
  const c = client(`unix://${t.sock}`);
  await pidOf(c, 'one');
  assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
  assert.ok(existsSync(t.sock), 'a killed agent leaves its socket behind');
  const third = run(conf2);
  await third.waitForOutput(new RegExp(`Unlinking stale socket ${t.sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  await third.waitForOutput(/success: two entered RUNNING state/);
  const again = client(`unix://${t.sock}`);
  await pidOf(again, 'two');
  assert.equal(await third.stop('SIGTERM'), 0);
});

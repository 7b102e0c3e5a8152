import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, statSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { isFleetError } from '../common/errors.js';
import type { Config } from '../agent/config/types.js';
import { startControlServer, ServerStartError } from '../agent/control/control-server.js';
import { rejectsWith } from './helpers/fleet-error.js';
import { ControlHarness, FakeHost } from './helpers/control-harness.js';
import { MemoryLogger, program, single } from './helpers/engine-harness.js';

const h = new ControlHarness();
after(() => h.cleanup());

const ADDRESS_IN_USE =
  'Another program is already listening on a port that one of our HTTP servers is configured to use.  ' +
  'Shut this program down first before starting supervisord.';

function unix(name: string, extra: Partial<NonNullable<Config['unixHttpServer']>> = {}): Config['unixHttpServer'] {
  return { file: join(h.dir, name), chmod: 0o700, chown: null, username: null, password: null, ...extra };
}


/** A socket file that nothing listens on: the inode of a closed listener, kept by a second link. */
async function staleSocket(path: string): Promise<void> {
  const live = `${path}.live`;
  const server = createServer().listen(live);
  await once(server, 'listening');
  linkSync(live, path);
  server.close();
  await once(server, 'close');
}

test('the socket gets the configured mode and owner, and closing the server removes it (twice is fine)', async () => {
  const path = join(h.dir, 'mode.sock');
  const owner = process.getuid?.() === 0 ? 'nobody:nogroup' : null;
  const agent = await h.agent(h.config([], { unixHttpServer: unix('mode.sock', { chmod: 0o660, chown: owner }) }));
  const stats = statSync(path);
  assert.ok(stats.isSocket());
  assert.equal(stats.mode & 0o777, 0o660);
  if (owner) assert.deepEqual([stats.uid, stats.gid], [65534, 65534]);
  assert.equal(existsSync(`${path}.${process.pid}`), false, 'the temporary name is gone');
  assert.deepEqual(agent.logger.messages('critical'), [`Server 'unix_http_server' running without any HTTP authentication checking`]);
  assert.deepEqual(agent.logger.messages('info'), [`RPC interface 'supervisor' initialized`]);
  await agent.server.close();
  await agent.server.close();
  assert.equal(existsSync(path), false);
});

test('a stale socket file is unlinked with supervisord\'s note on stderr and replaced', async () => {
  const path = join(h.dir, 'stale.sock');
  await staleSocket(path);
  await rejectsWith(h.client(`unix://${path}`).getState(), 'HOST_UNREACHABLE', `unix://${path} refused connection`);
  const agent = await h.agent(h.config([], { unixHttpServer: unix('stale.sock') }));
  assert.deepEqual(agent.stderr, [`Unlinking stale socket ${path}\n`]);
  assert.equal((await agent.client().getState()).state, 'RUNNING');
});

test('a socket that answers refuses a second server with supervisord\'s message and leaves the first one serving', async () => {
  const first = await h.agent(h.config([], { unixHttpServer: unix('live.sock') }));
  const engine = (await h.engines.engine([], { start: false })).engine;
  const second = startControlServer({
    config: h.config([], { unixHttpServer: unix('live.sock') }),
    engine,
    host: new FakeHost(null, null),
    logger: new MemoryLogger(),
    stderr: { write: () => assert.fail('a live socket is not stale') },
  });
  await assert.rejects(second, (err: unknown) => err instanceof ServerStartError && err.message === ADDRESS_IN_USE);
  assert.equal(existsSync(join(h.dir, `live.sock.${process.pid}`)), false);
  assert.equal((await first.client().getState()).state, 'RUNNING');
});

test('a TCP port in use refuses to start with the same message', async () => {
  const blocker: NetServer = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = (blocker.address() as { port: number }).port;
  try {
    const engine = (await h.engines.engine([], { start: false })).engine;
    const start = startControlServer({
      config: h.config([], { unixHttpServer: null, inetHttpServer: { host: '127.0.0.1', port, username: null, password: null } }),
      engine,
      host: new FakeHost(null, null),
      logger: new MemoryLogger(),
    });
    await assert.rejects(start, (err: unknown) => err instanceof ServerStartError && err.message === ADDRESS_IN_USE);
  } finally {
    blocker.close();
  }
});

test('with a username and password every call needs them; a {SHA} password is compared by its hash', async () => {
  const sha = `{SHA}${createHash('sha1').update('s3cret').digest('hex')}`;
  const agent = await h.agent(
    h.config([single(program('loop', `/bin/sh -c 'exec sleep 1000'`, { startsecs: 0 }))], {
      unixHttpServer: unix('auth.sock', { username: 'admin', password: sha }),
      inetHttpServer: { host: '127.0.0.1', port: 0, username: 'ops', password: 'plain' },
    }),
  );
  assert.deepEqual(agent.logger.messages('critical'), [], 'no warning when authentication is on');
  const [tcp, sock] = [agent.server.urls.find((u) => u.startsWith('http'))!, agent.server.urls.find((u) => u.startsWith('unix'))!];
  const refused = 'Server requires authentication';
  await rejectsWith(h.client(sock).getState(), 'FAILED', refused);
  await rejectsWith(h.client(sock, { username: 'admin', password: 'wrong' }).getState(), 'FAILED', refused);
  await rejectsWith(h.client(sock, { username: 'other', password: 's3cret' }).getState(), 'FAILED', refused);
  await rejectsWith(h.client(sock, { username: 'admin', password: sha }).listProcesses(), 'FAILED', refused);
  assert.equal((await h.client(sock, { username: 'admin', password: 's3cret' }).getState()).state, 'RUNNING');
  // Each server checks its own section's credentials.
  await rejectsWith(h.client(tcp, { username: 'admin', password: 's3cret' }).getState(), 'FAILED', refused);
  assert.equal((await h.client(tcp, { username: 'ops', password: 'plain' }).listProcesses()).length, 1);
  // Streams are checked too.
  const follow = h.client(sock).followLog({ process: { group: 'loop', name: 'loop' }, channel: 'stdout', backlog: 10 }, new AbortController().signal);
  await rejectsWith((async () => { for await (const _ of follow) assert.fail('no data without credentials'); })(), 'FAILED', refused);
});

test('no agent at the URL is HOST_UNREACHABLE at once, in supervisorctl\'s words', async () => {
  const started = Date.now();
  const missing = join(h.dir, 'nosuch.sock');
  await assert.rejects(h.client(`unix://${missing}`).getState(), (err: unknown) => {
    assert.ok(isFleetError(err, 'HOST_UNREACHABLE'));
    assert.equal(err.message, `unix://${missing} no such file`);
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
    return true;
  });
  const closed: NetServer = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as { port: number }).port;
  closed.close();
  await once(closed, 'close');
  await assert.rejects(h.client(`http://127.0.0.1:${port}`).listProcesses(), (err: unknown) => {
    assert.ok(isFleetError(err, 'HOST_UNREACHABLE'));
    assert.equal(err.message, `http://127.0.0.1:${port} refused connection`);
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    return true;
  });
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.throws(() => h.client('ftp://host/'), (err: unknown) => isFleetError(err, 'BAD_ADDRESS') && err.message === 'url must be http:// or unix://');
});

test('closing the server ends open follows with SHUTDOWN_STATE', async () => {
  const agent = await h.agent(h.config([single(program('quiet', `/bin/sh -c 'exec sleep 1000'`, { startsecs: 0 }))], { unixHttpServer: unix('close.sock') }));
  const c = agent.client();
  const follow = c.followLog({ process: { group: 'quiet', name: 'quiet' }, channel: 'stdout', backlog: 0 }, new AbortController().signal);
  const ended = rejectsWith((async () => { for await (const _ of follow) assert.fail('nothing was written'); })(), 'SHUTDOWN_STATE', 'server shutting down');
  await new Promise((resolve) => setTimeout(resolve, 100));
  await agent.server.close();
  await ended;
});

test('closing the server cuts off a call still running after the grace period', async () => {
  const agent = await h.agent(h.config([single(program('slow', `/bin/sh -c 'exec sleep 1000'`, { startsecs: 30, autostart: false }))]));
  const c = agent.client();
  const starting = c.start({ process: { group: 'slow', name: 'slow' } }, true);
  const settled = starting.then(() => 'resolved', (err: unknown) => (isFleetError(err) ? `${err.code} ${err.message}` : String(err)));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const began = Date.now();
  await agent.server.close(); // the harness's grace period is 500 ms
  assert.ok(Date.now() - began < 2000, `close took ${Date.now() - began} ms`);
  assert.equal(await settled, `HOST_UNREACHABLE ${agent.server.urls[0]} closed the connection`);
  await agent.engine.stopProcess({ group: 'slow', name: 'slow' });
});

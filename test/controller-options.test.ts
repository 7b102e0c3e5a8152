/**
 * fleet-controller's command line and INI file (pure), and the real executable: the ready
 * line, a clean close on SIGTERM, refusals that exit 2 and say why.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseControllerArgs, type ControllerArgsOutcome } from '../controller/options.js';
import { repoRoot } from './helpers/agent-process.js';
import { makeTempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const FLEET_CONTROLLER = join(repoRoot(), 'bin', 'fleet-controller');
const tmp = makeTempDir('fleet-controller-options-');
after(() => tmp.remove());

function run(outcome: ControllerArgsOutcome): Extract<ControllerArgsOutcome, { kind: 'run' }>['options'] {
  assert.equal(outcome.kind, 'run', outcome.kind === 'exit' ? outcome.stderr : '');
  return (outcome as Extract<ControllerArgsOutcome, { kind: 'run' }>).options;
}

function exit(outcome: ControllerArgsOutcome): { code: number; stdout: string; stderr: string } {
  assert.equal(outcome.kind, 'exit');
  return outcome as Extract<ControllerArgsOutcome, { kind: 'exit' }>;
}

function ini(text: string): string {
  const path = join(tmp.fresh(), 'controller.ini');
  writeFileSync(path, text);
  return path;
}

describe('fleet-controller options', () => {
  test('flags give the addresses, the data dir and the heartbeat; defaults fill the rest', () => {
    const options = run(parseControllerArgs(['--insecure', '--data', 'd', '--listen', '127.0.0.1:0', '--heartbeat', '500ms'], 'fleet-controller', '/srv'));
    assert.deepEqual(options, {
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 7401 },
      dataDir: '/srv/d',
      insecure: true,
      heartbeatMs: 500,
      certTtlMs: 30 * 86_400_000,
      extraNames: [],
    });
  });

  test('the [controller] section of an INI file gives the same settings, and flags win over it', () => {
    const path = ini('[controller]\nlisten = [::1]:7500 ; comment\nhttp = localhost:7501\ndata = state\ninsecure = yes\nheartbeat = 2s\n');
    const options = run(parseControllerArgs(['-c', path, '--heartbeat', '3s'], 'fleet-controller', '/elsewhere'));
    assert.deepEqual(options.listen, { host: '::1', port: 7500 });
    assert.deepEqual(options.http, { host: 'localhost', port: 7501 });
    assert.equal(options.dataDir, join(path, '..', 'state'), 'a relative data dir in the file is relative to the file');
    assert.equal(options.heartbeatMs, 3000);
  });

  test('bad lines in the INI file are reported as file:line: key: message, all at once, exit 2', () => {
    const path = ini('[controller]\nlisten = nowhere\ninsecure = maybe\nheartbeat = soon\nlisen = 1.2.3.4:5\n');
    const { code, stderr } = exit(parseControllerArgs(['-c', path]));
    assert.equal(code, 2);
    assert.deepEqual(stderr.trimEnd().split('\n'), [
      `${path}:5: lisen: unknown key in [controller] (known: listen, http, data, insecure, heartbeat, cert_ttl, san)`,
    ]);
    const fixed = ini('[controller]\nlisten = nowhere\ninsecure = maybe\nheartbeat = soon\n');
    assert.deepEqual(exit(parseControllerArgs(['-c', fixed])).stderr.trimEnd().split('\n'), [
      `${fixed}:2: listen: not a host:port address: "nowhere" (examples: 127.0.0.1:7400, [::1]:7400, :7400)`,
      `${fixed}:3: insecure: not a valid boolean value: 'maybe'`,
      `${fixed}:4: heartbeat: not a duration: "soon" (examples: 5s, 500ms, 1m)`,
    ]);
  });

  test('a file without a [controller] section, or one that cannot be read, is an error', () => {
    const path = ini('[supervisord]\nnodaemon = true\n');
    assert.deepEqual(exit(parseControllerArgs(['-c', path])), { kind: 'exit', code: 2, stdout: '', stderr: `${path}: no [controller] section\n` });
    const missing = join(tmp.path, 'missing.ini');
    assert.equal(exit(parseControllerArgs(['-c', missing])).stderr, `Error: cannot read ${missing}: no such file\n`);
    const broken = ini('[controller\nlisten = x\n');
    assert.match(exit(parseControllerArgs(['-c', broken])).stderr, new RegExp(`^${broken}:1: section header is missing its closing`));
  });

  test('--insecure refuses to bind anything but loopback, naming the address', () => {
    for (const [flag, address] of [
      ['--listen', '0.0.0.0:7400'],
      ['--listen', ':7400'],
      ['--http', '10.1.2.3:80'],
      ['--listen', 'ctl.example.com:7400'],
    ] as const) {
      const { code, stderr } = exit(parseControllerArgs(['--insecure', '--data', 'd', flag, address]));
      assert.equal(code, 2);
      assert.equal(
        stderr,
        `Error: ${flag}: --insecure binds loopback addresses only (127.0.0.1, ::1, localhost), not ${JSON.stringify(address)}; ` +
          'plaintext without authentication must not be reachable from other machines\nFor help, use fleet-controller -h\n',
      );
    }
    for (const address of ['127.0.0.1:1', '127.9.9.9:1', '[::1]:1', 'localhost:1']) run(parseControllerArgs(['--insecure', '--data', 'd', '--listen', address]));
  });

  test('without --insecure the controller runs in secure mode, on any address, with the certificate settings', () => {
    const options = run(parseControllerArgs(['--data', 'd', '--listen', '0.0.0.0:7400', '--cert-ttl', '12h', '--san', 'ctl.example', '--san', '10.0.0.5']));
    assert.equal(options.insecure, false);
    assert.deepEqual(options.listen, { host: '0.0.0.0', port: 7400 });
    assert.equal(options.certTtlMs, 12 * 3_600_000);
    assert.deepEqual(options.extraNames, ['ctl.example', '10.0.0.5']);
    const fromFile = run(parseControllerArgs(['-c', ini('[controller]\ndata = d\ncert_ttl = 7d\nsan = a.example, b.example\n')]));
    assert.deepEqual([fromFile.certTtlMs, fromFile.extraNames], [7 * 86_400_000, ['a.example', 'b.example']]);
    assert.match(exit(parseControllerArgs(['--data', 'd', '--cert-ttl', '10s'])).stderr, /^Error: --cert-ttl: 10s is outside 1m\.\.3650d\n/);
    assert.match(exit(parseControllerArgs(['--data', 'd', '--san', 'a b'])).stderr, /^Error: --san: not a DNS name or IP address: "a b"/);
  });

  test('bad flags are usage errors: a missing data dir, an unknown flag, a heartbeat out of range', () => {
    assert.match(exit(parseControllerArgs(['--insecure'])).stderr, /^Error: no data directory: give --data DIR/);
    assert.match(exit(parseControllerArgs(['--insecure', '--data', 'd', '--bogus'])).stderr, /^Error: unknown option '--bogus'\nFor help, use fleet-controller -h\n$/);
    assert.match(exit(parseControllerArgs(['--insecure', '--data', 'd', '--heartbeat', '10ms'])).stderr, /^Error: --heartbeat: 10ms is outside 100ms\.\.10m\n/);
    assert.match(exit(parseControllerArgs(['--insecure', '--data', 'd', '--listen', '127.0.0.1:99999'])).stderr, /port 99999 is above 65535/);
  });

  test('-h prints the usage with examples, exit 0', () => {
    const { code, stdout } = exit(parseControllerArgs(['-h']));
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: fleet-controller \[options\]/);
    assert.match(stdout, /Examples:\n {2}fleet-controller --listen 0\.0\.0\.0:7400 --data \/var\/lib\/fleet-controller\n/);
    assert.match(stdout, /\n {2}fleet-controller --insecure --data \.\/fleet-data\n/);
    assert.match(stdout, /\[controller\]\n {2}listen = 127\.0\.0\.1:7400/);
  });
});

describe('the fleet-controller executable', () => {
  test('prints one ready line with its addresses and data, and closes cleanly on SIGTERM', async () => {
    const data = join(tmp.fresh(), 'data');
    const proc = spawn(process.execPath, [FLEET_CONTROLLER, '--insecure', '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = once(proc, 'exit');
    try {
      const ready = await waitFor(() => /^fleet-controller \S+ ready: gRPC (127\.0\.0\.1:\d+) \(insecure: plaintext, no authentication\), HTTP (http:\/\/127\.0\.0\.1:\d+), data (.+)\n$/.exec(stdout), { what: `the ready line; stderr: ${stderr}` });
      assert.equal(ready[3], join(data, 'fleet.db'));
      const health = await fetch(`${ready[2]}/healthz`);
      assert.equal(health.status, 200);
    } finally {
      proc.kill('SIGTERM');
    }
    const [code, signal] = await exited;
    assert.deepEqual([code, signal], [0, null]);
    assert.match(stderr, /SIGTERM received: closing\n.*closed\n$/s);
    assert.ok(existsSync(join(data, 'fleet.db')));
  });

  test('without --insecure it serves TLS, prints its CA fingerprint, and ca-fingerprint prints the same again', async () => {
    const data = join(tmp.fresh(), 'data');
    const proc = spawn(process.execPath, [FLEET_CONTROLLER, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = once(proc, 'exit');
    let fingerprint: string;
    try {
      const ready = await waitFor(() => /^CA fingerprint: (sha256:[0-9a-f]{64}) \(new CA in (.+)\)\nfleet-controller \S+ ready: gRPC 127\.0\.0\.1:\d+ \(secure: TLS, client certificates and API tokens\), /.exec(stdout), {
        what: `the CA and ready lines; stderr: ${stderr}`,
      });
      fingerprint = ready[1]!;
      assert.equal(ready[2], join(data, 'pki'));
    } finally {
      proc.kill('SIGTERM');
    }
    assert.deepEqual(await exited, [0, null]);
    const again = spawn(process.execPath, [FLEET_CONTROLLER, 'ca-fingerprint', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    again.stdout.setEncoding('utf8').on('data', (s: string) => (printed += s));
    assert.deepEqual(await once(again, 'exit'), [0, null]);
    assert.equal(printed, `${fingerprint}\n`);
    const none = spawn(process.execPath, [FLEET_CONTROLLER, 'ca-fingerprint', '--data', join(tmp.fresh(), 'empty')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let noneErr = '';
    none.stderr.setEncoding('utf8').on('data', (s: string) => (noneErr += s));
    assert.deepEqual(await once(none, 'exit'), [1, null]);
    assert.match(noneErr, /^Error: no CA in .*: start fleet-controller once without --insecure/);
  });

  test('--insecure on a public address exits 2 before opening anything', async () => {
    const data = join(tmp.fresh(), 'data');
    const proc = spawn(process.execPath, [FLEET_CONTROLLER, '--insecure', '--listen', '0.0.0.0:7400', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const [code] = await once(proc, 'exit');
    assert.equal(code, 2);
    assert.match(stderr, /^Error: --listen: --insecure binds loopback addresses only .* not "0\.0\.0\.0:7400"/);
    assert.equal(existsSync(data), false, 'no data dir was created');
  });

  test('a taken port is reported with the address, exit 1', async () => {
    const { startTestController } = await import('./helpers/controller-harness.js');
    const taken = await startTestController();
    try {
      const proc = spawn(process.execPath, [FLEET_CONTROLLER, '--insecure', '--listen', taken.address, '--http', '127.0.0.1:0', '--data', join(tmp.fresh(), 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const [code] = await once(proc, 'exit');
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`^Error: cannot listen for gRPC on ${taken.address.replaceAll('.', '\\.')}: the address is already in use \\(another controller\\?\\)$`, 'm'));
    } finally {
      await taken.close();
    }
  });
});

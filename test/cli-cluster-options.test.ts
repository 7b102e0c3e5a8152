// fleetctl's cluster mode on the command line: --controller, --insecure, the scope flags and
// their environment variables, and the parsers behind them (words, scope, addresses, times).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCtlArgs, type ClusterOptions, type CtlOptions, type ParseContext } from '../cli/options.js';
import { getopt } from '../cli/getopt.js';
import { parseControllerAddress } from '../cli/client/controller-address.js';
import { COMMON_FLAGS, parseWords } from '../cli/cluster/flags.js';
import { describeScope, mergeScope, parseLabelSelector, scopeOf } from '../cli/cluster/scope.js';
import { formatAgo, parseTimeArg } from '../cli/cluster/times.js';

function ctx(env: Record<string, string> = {}): ParseContext {
  // No config file exists: the local mode's defaults, and nothing read from /etc.
  return { progname: 'fleetctl', cwd: '/nonexistent', exeDir: '/nonexistent/bin', env: { HOME: '/home/t', ...env }, home: '/home/t', exists: () => false, hostname: () => 'this-box' };
}

function run(argv: string[], env: Record<string, string> = {}): CtlOptions {
  const r = parseCtlArgs(argv, ctx(env));
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as { options: CtlOptions }).options;
}

function cluster(argv: string[], env: Record<string, string> = {}): ClusterOptions {
  const c = run(argv, env).cluster;
  assert.ok(c, 'cluster mode');
  return c;
}

function usage(argv: string[], env: Record<string, string> = {}): string {
  const r = parseCtlArgs(argv, ctx(env));
  assert.equal(r.kind, 'exit', JSON.stringify(r));
  const exit = r as { code: number; stderr: string; stdout: string };
  assert.equal(exit.code, 2);
  assert.equal(exit.stdout, '');
  assert.match(exit.stderr, /\nFor help, use fleetctl -h\n$/);
  return exit.stderr;
}

test('--controller with --insecure selects cluster mode; the action and its flags stay as typed', () => {
  const o = run(['--controller', 'ctl.internal:7500', '--insecure', 'status', '-A', 'web:*']);
  assert.deepEqual(o.cluster?.controller, { text: 'ctl.internal:7500', host: 'ctl.internal', port: 7500 });
  assert.deepEqual(o.args, ['status', '-A', 'web:*']);
  assert.equal(o.interactive, false);
  assert.equal(o.configFile, null);
});

test('FLEET_CONTROLLER and FLEET_INSECURE select cluster mode from the environment; -c or -s keep the local agent', () => {
  const env = { FLEET_CONTROLLER: '127.0.0.1:7400', FLEET_INSECURE: '1' };
  assert.equal(cluster(['status'], env).controller.port, 7400);
  assert.equal(run(['-s', 'unix:///tmp/a.sock', 'status'], env).cluster, null);
  assert.equal(run(['status']).cluster, null);
  assert.equal(run(['status'], { FLEET_CONTROLLER: '127.0.0.1:7400', FLEET_INSECURE: 'yes' }).cluster?.controller.host, '127.0.0.1');
});

test('without --insecure cluster mode needs the controller\'s CA, and says where to give it', () => {
  const err = usage(['--controller', 'ctl:7400', 'status']);
  assert.match(err, /^Error: the controller's secure mode needs its CA certificate to check whom fleetctl talks to: give --ca FILE \(or FLEET_CA, or ca = FILE in \[fleetctl\] of \/home\/t\/\.config\/fleetvisor\/fleetctl\.ini\)/);
  assert.match(err, /For a controller started with --insecure, add --insecure \(or FLEET_INSECURE=1\)/);
  assert.match(usage(['status'], { FLEET_CONTROLLER: 'ctl', FLEET_INSECURE: '0' }), /needs its CA certificate/);
  assert.match(usage(['--controller', 'ctl', '--ca', '/nonexistent/ca.crt', 'status']), /^Error: --ca: cannot read the controller's CA certificate \/nonexistent\/ca\.crt: no such file/);
});

test('--insecure with a token sends the token; the CA is not needed there', () => {
  assert.deepEqual(cluster(['--controller', 'ctl', '--insecure', '--token', 'fvt_x', 'status']).credentials, { insecure: true, token: 'fvt_x', caPem: null });
  assert.deepEqual(cluster(['--controller', 'ctl', '--insecure', 'status'], { FLEET_TOKEN: 'fvt_y' }).credentials, { insecure: true, token: 'fvt_y', caPem: null });
  assert.match(usage(['--controller', 'ctl', '--insecure', '--token', '', 'status']), /^Error: --token: not a token: it is empty or has spaces/);
});

test('cluster flags without a controller, and --controller beside -s, are usage errors', () => {
  assert.equal(usage(['-A', 'status']), 'Error: -A needs the controller: give --controller HOST:PORT (or set FLEET_CONTROLLER)\nFor help, use fleetctl -h\n');
  assert.match(usage(['--hosts', 'role=web', 'status']), /^Error: --hosts needs the controller/);
  assert.match(usage(['--controller', 'ctl', '--insecure', '-s', 'http://a:1', 'status']), /^Error: --controller talks to fleet-controller, -c and -s to a local agent/);
  assert.match(usage(['--controller', 'a b', '--insecure']), /^Error: --controller: not a controller address: "a b"/);
});

test('the scope before the action: --host, -A or --hosts (one of them); the default host is FLEET_HOST, else the hostname', () => {
  assert.deepEqual(cluster(['--controller', 'c', '--insecure', '-A', 'status']).scope, { allHosts: true });
  assert.deepEqual(cluster(['--controller', 'c', '--insecure', '--hosts', 'role=web, zone=eu-1']).scope, { labels: { role: 'web', zone: 'eu-1' } });
  assert.deepEqual(cluster(['--controller', 'c', '--insecure', '--host', 'web-1']).scope, { host: 'web-1' });
  assert.equal(cluster(['--controller', 'c', '--insecure']).defaultHost, 'this-box');
  assert.equal(cluster(['--controller', 'c', '--insecure'], { FLEET_HOST: 'web-9' }).defaultHost, 'web-9');
  assert.match(usage(['--controller', 'c', '--insecure', '-A', '--host', 'x']), /^Error: give only one of -A\/--all-hosts, --host HOST and --hosts/);
  assert.match(usage(['--controller', 'c', '--insecure', '--hosts', 'role']), /^Error: --hosts: bad label selector "role"/);
});

test("supervisorctl's option abbreviations keep their meaning beside the cluster flags", () => {
  // --in is --interactive, not ambiguous with --insecure; --host is no abbreviation of --hosts.
  assert.equal(run(['--in', 'status']).interactive, true);
  assert.throws(() => getopt(['--insec'], '', ['interactive'], {}, ['insecure']), /option --insec not recognized/);
  assert.deepEqual(getopt(['--host', 'a', '--hosts=b', 'x'], '', [], {}, ['host=', 'hosts=']).opts, [['--host', 'a'], ['--hosts', 'b']]);
});

test('controller addresses: host:port, [v6]:port, a host alone on port 7400; nothing else', () => {
  assert.deepEqual(parseControllerAddress('[::1]:7401'), { text: '[::1]:7401', host: '::1', port: 7401 });
  assert.deepEqual(parseControllerAddress('ctl.internal'), { text: 'ctl.internal', host: 'ctl.internal', port: 7400 });
  for (const bad of ['', 'http://ctl:7400', 'ctl:', 'ctl:99999', 'ctl:0', 'a:b:c']) assert.ok(parseControllerAddress(bad) instanceof Error, bad);
});

test('command words: flags anywhere, glued or separate values, grouped short flags, -- ends the flags', () => {
  const specs = [...COMMON_FLAGS, { long: 'follow', short: 'f' }, { long: 'since', value: true }];
  const w = parseWords(['web:*', '-fA', '--since=10m', '-ojson', '--', '-x'], specs);
  assert.ok(!(w instanceof Error));
  assert.deepEqual([...w.flags], [['follow', true], ['all-hosts', true], ['since', '10m'], ['output', 'json']]);
  assert.deepEqual(w.positional, ['web:*', '-x']);
  assert.deepEqual((parseWords(['--host', 'a', 'b'], specs) as { positional: string[] }).positional, ['b']);
  assert.equal((parseWords(['-9', 'x'], specs) as { positional: string[] }).positional[0], '-9');
  assert.equal((parseWords(['--bogus'], specs) as Error).message, 'unknown flag --bogus');
  assert.equal((parseWords(['--since'], specs) as Error).message, '--since needs a value');
  assert.equal((parseWords(['--follow=1'], specs) as Error).message, '--follow takes no value');
  assert.equal((parseWords(['-q'], specs) as Error).message, 'unknown flag -q');
});

test("a command's scope flags replace those before the action; without any, the default host", () => {
  assert.deepEqual(scopeOf(mergeScope({ allHosts: true }, { host: 'b' }), 'me'), { kind: 'host', host: 'b' });
  assert.deepEqual(scopeOf(mergeScope({ allHosts: true }, {}), 'me'), { kind: 'all' });
  assert.deepEqual(scopeOf({}, 'me'), { kind: 'host', host: 'me' });
  assert.ok(scopeOf({ allHosts: true, labels: { a: 'b' } }, 'me') instanceof Error);
  assert.equal(describeScope({ kind: 'labels', selector: { zone: 'eu', role: 'web' } }), 'the hosts with role=web,zone=eu');
  assert.ok(parseLabelSelector(',') instanceof Error);
});

test('--since and --until: durations back from now, local dates and times, or times with a zone', () => {
  const now = new Date(2026, 10, 22, 12, 0, 0).getTime();
  assert.equal(parseTimeArg('10m', now), now - 600_000);
  assert.equal(parseTimeArg('1d', now), now - 86_400_000);
  assert.equal(parseTimeArg('90', now), now - 90_000);
  assert.equal(parseTimeArg('2026-11-22', now), new Date(2026, 10, 22).getTime());
  assert.equal(parseTimeArg('2026-11-22T10:30', now), new Date(2026, 10, 22, 10, 30).getTime());
  assert.equal(parseTimeArg('10:30:15', now), new Date(2026, 10, 22, 10, 30, 15).getTime());
  assert.equal(parseTimeArg('2026-11-22T10:30:00.5Z', now), Date.UTC(2026, 10, 22, 10, 30, 0, 500));
  assert.equal(parseTimeArg('2026-11-22T10:30+02:00', now), Date.UTC(2026, 10, 22, 8, 30));
  for (const bad of ['yesterday', '25:00', '2026-13-01', '10m5', '']) assert.ok(parseTimeArg(bad, now) instanceof Error, bad);
});

test('times ago read coarsely', () => {
  assert.equal(formatAgo(0, 5000), 'never');
  assert.equal(formatAgo(4000, 4500), 'just now');
  assert.equal(formatAgo(0 + 1, 1 + 12_000), '12s ago');
  assert.equal(formatAgo(1, 1 + 3 * 3_600_000), '3h ago');
  assert.equal(formatAgo(1, 1 + 5 * 86_400_000), '5d ago');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJoinArgs, planJoin, type JoinArgs } from '../agent/daemon/join-command.js';
import type { Config } from '../agent/config/types.js';

const FINGERPRINT = `sha256:${'ab'.repeat(32)}`;

function config(fleet: Partial<Config['fleet']> = {}): Config {
  return {
    fleet: { host: 'web-1', labels: {}, controller: null, insecure: false, stateDir: '/var/lib/fleetvisor', spoolMaxBytes: 1, joinToken: null, caFingerprint: null, ...fleet },
  } as Config;
}

function args(argv: string[]): JoinArgs {
  const parsed = parseJoinArgs(argv);
  assert.equal(parsed.kind, 'join', parsed.kind === 'exit' ? parsed.stderr : '');
  return (parsed as Extract<typeof parsed, { kind: 'join' }>).args;
}

test('join flags win over [fleet]; the host and state_dir come from the config', () => {
  const plan = planJoin(args(['--controller', 'ctl:7400', '--token', 'fvt_x', '--ca-fingerprint', `SHA256:${'AB:'.repeat(31)}AB`]), config({ controller: 'other:1' }));
  assert.deepEqual(plan, { controller: 'ctl:7400', token: 'fvt_x', caFingerprint: FINGERPRINT, host: 'web-1', stateDir: '/var/lib/fleetvisor' });
  const fromFile = planJoin(args([]), config({ controller: 'ctl:7400', joinToken: 'fvt_y', caFingerprint: FINGERPRINT }));
  assert.deepEqual(fromFile, { controller: 'ctl:7400', token: 'fvt_y', caFingerprint: FINGERPRINT, host: 'web-1', stateDir: '/var/lib/fleetvisor' });
});

test('join names every missing piece and where to give it', () => {
  const plan = planJoin(args(['--token', 'fvt_x']), config());
  assert.ok(plan instanceof Error);
  assert.equal(plan.message, 'join needs --controller (or [fleet] controller), --ca-fingerprint (or [fleet] ca_fingerprint)');
});

test('join refuses a bad fingerprint or address as a usage error, and -h shows examples', () => {
  const bad = parseJoinArgs(['--ca-fingerprint', 'md5:00']);
  assert.deepEqual([bad.kind, bad.kind === 'exit' && bad.code], ['exit', 2]);
  assert.match(bad.kind === 'exit' ? bad.stderr : '', /^Error: --ca-fingerprint: not a CA fingerprint: "md5:00"; expected sha256: and 64 hex digits.*\nFor help, use fleet-agent join -h\n$/s);
  const address = parseJoinArgs(['--controller', 'nocolon']);
  assert.match(address.kind === 'exit' ? address.stderr : '', /^Error: --controller: not a host:port address: "nocolon"/);
  const help = parseJoinArgs(['-h']);
  assert.equal(help.kind === 'exit' && help.code, 0);
  assert.match(help.kind === 'exit' ? help.stdout : '', /Examples:\n {2}fleet-agent join --controller ctl\.internal:7400 --token fvt_\.\.\. --ca-fingerprint sha256:/);
});

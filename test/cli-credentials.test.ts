/**
 * Where cluster-mode fleetctl takes the controller, token and CA from: flags, then FLEET_*,
 * then [fleetctl] in $XDG_CONFIG_HOME/fleetvisor/fleetctl.ini (~/.config when unset), a file
 * it refuses while group or others may read it. Real files in a temp dir.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCtlArgs, type CtlOptions, type ParseContext } from '../cli/options.js';
import { fleetctlIniPath } from '../cli/cluster/credentials.js';
import { makeTempDir } from './helpers/temp-dir.js';

const temp = makeTempDir('fleetctl-credentials-');
after(() => temp.remove());

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** A home with fleetctl.ini (under .config, or under `xdg` when given) holding `text`, mode `mode`. */
function home(text: string | null, options: { mode?: number; xdg?: boolean } = {}): { ctx: ParseContext; ini: string; dir: string } {
  const dir = temp.fresh();
  const env: Record<string, string> = { HOME: dir };
  if (options.xdg) env.XDG_CONFIG_HOME = join(dir, 'xdg');
  const ini = fleetctlIniPath({ env, home: dir });
  if (text !== null) {
    mkdirSync(join(ini, '..'), { recursive: true });
    writeFileSync(ini, text);
    chmodSync(ini, options.mode ?? 0o600);
  }
  writeFileSync(join(dir, 'ca.crt'), CA);
  return { ctx: { progname: 'fleetctl', cwd: dir, exeDir: '/nonexistent/bin', env, home: dir, exists: () => false, hostname: () => 'this-box' }, ini, dir };
}

function parse(argv: string[], ctx: ParseContext, env: Record<string, string> = {}): CtlOptions | string {
  const r = parseCtlArgs(argv, { ...ctx, env: { ...ctx.env, ...env } });
  if (r.kind === 'exit') return r.stderr;
  return r.options;
}

test('fleetctl.ini lives in $XDG_CONFIG_HOME/fleetvisor, else ~/.config/fleetvisor', () => {
  assert.equal(fleetctlIniPath({ env: {}, home: '/home/a' }), '/home/a/.config/fleetvisor/fleetctl.ini');
  assert.equal(fleetctlIniPath({ env: { XDG_CONFIG_HOME: '/x' }, home: '/home/a' }), '/x/fleetvisor/fleetctl.ini');
});

test('a private fleetctl.ini with a controller selects cluster mode with its token and CA (a relative CA path is the file\'s)', () => {
  const { ctx, dir } = home('[fleetctl]\ncontroller = ctl.example.com:7500\ntoken = fvt_from_file\nca = ../../ca.crt\n', { xdg: true });
  // The ini is in DIR/xdg/fleetvisor: ../../ca.crt is DIR/ca.crt.
  const options = parse(['status'], ctx);
  assert.equal(typeof options, 'object', String(options));
  const cluster = (options as CtlOptions).cluster!;
  assert.deepEqual(cluster.controller, { text: 'ctl.example.com:7500', host: 'ctl.example.com', port: 7500 });
  assert.deepEqual(cluster.credentials, { insecure: false, token: 'fvt_from_file', caPem: CA });
  assert.ok(dir);
});

test('flags win over FLEET_* and FLEET_* over the file', () => {
  const { ctx, dir } = home('[fleetctl]\ncontroller = file-ctl\ntoken = fvt_file\nca = /nonexistent/file-ca.crt\n');
  writeFileSync(join(dir, 'env-ca.crt'), CA);
  const env = { FLEET_CONTROLLER: 'env-ctl', FLEET_TOKEN: 'fvt_env', FLEET_CA: join(dir, 'env-ca.crt') };
  const fromEnv = (parse(['status'], ctx, env) as CtlOptions).cluster!;
  assert.deepEqual([fromEnv.controller.host, fromEnv.credentials.token, fromEnv.credentials.caPem], ['env-ctl', 'fvt_env', CA]);
  const fromFlags = (parse(['--controller', 'flag-ctl', '--token', 'fvt_flag', '--ca', 'ca.crt', 'status'], ctx, env) as CtlOptions).cluster!;
  assert.deepEqual([fromFlags.controller.host, fromFlags.credentials.token, fromFlags.credentials.caPem], ['flag-ctl', 'fvt_flag', CA]);
});

test('a fleetctl.ini that group or others may read is refused, with the chmod to run', () => {
  for (const mode of [0o640, 0o604, 0o644]) {
    const { ctx, ini } = home('[fleetctl]\ncontroller = ctl\ntoken = fvt_x\ninsecure = true\n', { mode });
    const err = parse(['status'], ctx);
    assert.equal(typeof err, 'string');
    assert.match(err as string, new RegExp(`^Error: ${ini.replace(/[.]/g, '\\.')} may be read by (its group|others) \\(mode 0${mode.toString(8)}\\), and it may hold an API token: fleetctl does not use it until only you can read it\\. Run: chmod 600 ${ini.replace(/[.]/g, '\\.')}\\n`));
  }
});

test('the file is refused even when flags name the controller, since its token or CA would be used', () => {
  const { ctx } = home('[fleetctl]\ntoken = fvt_x\n', { mode: 0o644 });
  assert.match(parse(['--controller', 'ctl', '--insecure', 'status'], ctx) as string, /Run: chmod 600 /);
});

test('-c or -s keep the local agent, and then the file does not matter', () => {
  const { ctx } = home('[fleetctl]\ncontroller = ctl\ninsecure = true\n', { mode: 0o644 });
  const options = parse(['-s', 'unix:///tmp/a.sock', 'status'], ctx);
  assert.equal((options as CtlOptions).cluster, null);
});

test('a file with a mistake says where', () => {
  const { ctx, ini } = home('[fleetctl]\ncontroller = ctl\ntokn = fvt_x\n');
  assert.match(parse(['status'], ctx) as string, new RegExp(`^Error: ${ini.replace(/[.]/g, '\\.')}:3: tokn: unknown key in \\[fleetctl\\] \\(known: controller, token, ca, insecure\\)`));
});

test('insecure = true in the file is the development mode: no CA needed', () => {
  const { ctx } = home('[fleetctl]\ncontroller = 127.0.0.1:7400\ninsecure = true\n');
  assert.deepEqual((parse(['status'], ctx) as CtlOptions).cluster?.credentials, { insecure: true, token: null, caPem: null });
});

test('without a file and without a controller, fleetctl stays in local mode', () => {
  const { ctx } = home(null);
  assert.equal((parse(['status'], ctx) as CtlOptions).cluster, null);
});

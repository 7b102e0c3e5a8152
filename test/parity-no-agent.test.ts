// Parity with supervisorctl 4.2.5 when no daemon is there to answer, and for everything that
// needs no daemon at all (help texts, usage errors, the shell's own lines). Same command lines on
// both CLIs; stdout, stderr and exit code compared after masking the program name and temp dirs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compare, compareAll, describeDifference, makeSide, supervisorMissing, type Comparison, type Side } from './helpers/parity.js';

const missing = supervisorMissing();

/** Lines where fleetctl differs on purpose, and why (the README's deliberate-differences table). */
const KNOWN: Record<string, string> = {
  'NOSOCK avail': "supervisorctl prints a Python exception (error: <class 'FileNotFoundError'>, [Errno 2] ...); fleetctl names the URL as upcheck does (same exit code 1)",
  'NOSOCK reread': 'as avail',
  'NOSOCK update': 'as avail',
  'NOSOCK add x': 'as avail',
  'NOSOCK remove x': 'as avail',
  'NOSOCK reload': 'as avail',
  'REFUSED avail': "supervisorctl prints a Python exception (error: <class 'ConnectionRefusedError'>, [Errno 111] ...); fleetctl names the URL (same exit code 1)",
  'REFUSED reread': 'as avail',
  'NONE -h': "fleetctl's usage names fleet-agent, corrects -i's description (it never opens the shell with an action), and adds -o and examples",
  'NONE -i -h': 'as -h',
};

const TEMPLATE = '[supervisord]\n[supervisorctl]\nserverurl = unix://%(here)s/nonexistent.sock\n';
let sup: Side;
let fleet: Side;
let refused: string;

before(async () => {
  if (missing) return;
  [sup, fleet] = await Promise.all([makeSide('supervisor', TEMPLATE, false), makeSide('fleet', TEMPLATE, false)]);
  for (const side of [sup, fleet]) writeFileSync(join(side.dir, 'nosection.conf'), '[supervisord]\n');
  // A port nobody listens on: bound, then released.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  refused = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

after(() => {
  sup?.remove();
  fleet?.remove();
});

type Target = 'NOSOCK' | 'REFUSED' | 'NONE';

function flagsFor(target: Target): (side: Side) => string[] {
  if (target === 'NOSOCK') return (side) => ['-c', side.config];
  if (target === 'REFUSED') return () => ['-s', refused];
  return () => [];
}

async function check(t: { diagnostic(msg: string): void }, target: Target, words: string[], input?: string): Promise<Comparison> {
  const c = await compare(sup, fleet, words, { flags: flagsFor(target), input, masks: refused ? [[new RegExp(refused.replace(/[.:/]/g, '\\$&'), 'g'), '<REFUSED>']] : [] });
  const key = `${target} ${words.join(' ')}`;
  if (KNOWN[key]) {
    t.diagnostic(`deliberate difference (${key}): ${KNOWN[key]}`);
    assert.equal(c.fleet.code, c.supervisor.code, `exit codes differ for ${key}`);
  } else {
    assert.ok(c.same, `fleetctl differs from supervisorctl:\n${describeDifference(c)}`);
  }
  return c;
}

/** Independent lines, a few at a time. */
async function checkAll(t: { diagnostic(msg: string): void }, target: Target, lines: string[][]): Promise<void> {
  await compareAll(lines, (words) => check(t, target, words));
}

const COMMANDS_WITHOUT_AGENT: string[][] = [
  ['status'], ['status', 'x'], ['start'], ['start', 'x'], ['stop', 'x'], ['restart', 'x'], ['signal', 'HUP', 'x'],
  ['pid'], ['pid', 'x'], ['tail', 'x'], ['tail', '-f', 'x'], ['maintail'], ['clear', 'x'], ['fg', 'x'], ['version'],
  ['shutdown'], ['avail'], ['reread'], ['update'], ['add', 'x'], ['remove', 'x'], ['reload'], ['add'], ['open', 'foo'],
];

test('every command with no daemon behind the unix socket', { skip: missing ?? false }, async (t) => {
  await checkAll(t, 'NOSOCK', COMMANDS_WITHOUT_AGENT);
});

test('commands against a TCP port nobody listens on', { skip: missing ?? false }, async (t) => {
  await checkAll(t, 'REFUSED', [['status'], ['start', 'x'], ['pid'], ['version'], ['shutdown'], ['avail'], ['reread']]);
});

test('help, help for every command, unknown commands and syntax', { skip: missing ?? false }, async (t) => {
  const topics = ['help', 'add', 'avail', 'clear', 'exit', 'fg', 'maintail', 'open', 'pid', 'quit', 'reload', 'remove',
    'reread', 'restart', 'shutdown', 'signal', 'start', 'status', 'stop', 'tail', 'update', 'version', 'EOF', 'nosuch'];
  // help always exits 0, so every topic is compared in one shell session (with the listing first).
  await check(t, 'NOSOCK', [], ['help', ...topics.map((topic) => `help ${topic}`)].join('\n') + '\n');
  await checkAll(t, 'NOSOCK', [['help'], ['help', 'tail'], ['nosuch'], ['STATUS'], ['-', 'status'], ['quit'], ['exit'], ['EOF'], ['?'], ['stop:x']]);
});

test('usage errors of the command line', { skip: missing ?? false }, async (t) => {
  await checkAll(t, 'NONE', [['-x'], ['--bogus'], ['-c'], ['-c', 'nonexist.conf', 'status'], ['-s', 'foo', 'status'], ['-s', 'http:', 'status'],
    ['-c', 'nosection.conf', 'status'], ['--interactive=3'], ['-i', '-i', 'status'], ['-h'], ['-i', '-h'], ['--serverurl']]);
});

test('the shell: status first, the prompt, help, unknown lines, empty lines, quit', { skip: missing ?? false }, async (t) => {
  await compareAll(
    ['help\nhelp status\nfoo bar\n\n   \nhelp foo\nversion x\n?quit\nquit\nstatus\n', 'status\n', ''],
    (input) => check(t, 'NOSOCK', [], input),
  );
});

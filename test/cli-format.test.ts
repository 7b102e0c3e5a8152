// Pure tests of fleetctl's parsing and formatting: no agent, no processes, no files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNamespec, splitNamespec, targetOf } from '../cli/names.js';
import { formatStatusLines, ljust, selectStatuses, statusExitCode } from '../cli/commands/status.js';
import { availLine } from '../cli/commands/avail.js';
import { changeLines } from '../cli/commands/reread.js';
import { columnize } from '../cli/commands/help.js';
import { parseTailArgs } from '../cli/commands/tail.js';
import { parseMaintailArgs } from '../cli/commands/maintail.js';
import { startResultLine } from '../cli/commands/start.js';
import { signalResultLine } from '../cli/commands/stop.js';
import { clearResultLine } from '../cli/commands/clear.js';
import { exitForFault } from '../cli/exit-codes.js';
import { getopt } from '../cli/getopt.js';
import { pyInt, pySplit } from '../cli/io.js';
import { isUrl } from '../cli/options.js';
import { takeOutputFlag } from '../cli/json.js';
import { describeUnexpected } from '../cli/failures.js';
import { FleetError } from '../common/errors.js';
import { info } from './helpers/cli-fake-client.js';

test('a bare name is the process of the group with the same name', () => {
  assert.deepEqual(splitNamespec('web'), { raw: 'web', group: 'web', process: 'web' });
  assert.deepEqual(targetOf(splitNamespec('web')), { process: { group: 'web', name: 'web' } });
});

test('group:* and group: name the whole group; a:b:c is the process b:c of group a', () => {
  assert.deepEqual(splitNamespec('g:*'), { raw: 'g:*', group: 'g', process: null });
  assert.deepEqual(splitNamespec('g:'), { raw: 'g:', group: 'g', process: null });
  assert.deepEqual(targetOf(splitNamespec('g:')), { group: 'g' });
  assert.deepEqual(splitNamespec('a:b:c'), { raw: 'a:b:c', group: 'a', process: 'b:c' });
});

test('glob characters in names are literal', () => {
  assert.deepEqual(splitNamespec('web*'), { raw: 'web*', group: 'web*', process: 'web*' });
  assert.deepEqual(splitNamespec('g:w?'), { raw: 'g:w?', group: 'g', process: 'w?' });
});

test('a namespec is the name alone when group and name agree, and None for a missing name', () => {
  assert.equal(makeNamespec('web', 'web'), 'web');
  assert.equal(makeNamespec('g', 'web'), 'g:web');
  assert.equal(makeNamespec('g', null), 'g:None');
});

test('status puts the state at column 33 for short names', () => {
  const [line] = formatStatusLines([info('foo', 'foo', 'RUNNING')]);
  assert.equal(line, `${'foo'.padEnd(33)}RUNNING   pid 100, uptime 0:00:05`);
  assert.equal(line!.indexOf('RUNNING'), 33);
});

test('status puts the state at column 157 for a 154-character namespec, for every line', () => {
  const long = 'x'.repeat(154);
  const lines = formatStatusLines([info(long, long, 'STOPPED'), info('a', 'a', 'RUNNING')]);
  assert.equal(lines[0]!.indexOf('STOPPED'), 157);
  assert.equal(lines[1]!.indexOf('RUNNING'), 157);
});

test('status pads the state to 10 and ends STARTING lines after the padding', () => {
  const lines = formatStatusLines([
    info('g', 'a', 'FATAL', { description: 'Exited too quickly (process log may have details)' }),
    info('s', 's', 'STARTING'),
    info('n', 'n', 'STOPPED'),
  ]);
  assert.deepEqual(lines, [
    `${'g:a'.padEnd(33)}FATAL     Exited too quickly (process log may have details)`,
    `${'s'.padEnd(33)}STARTING  `,
    `${'n'.padEnd(33)}STOPPED   Not started`,
  ]);
});

test('padding counts code points, as Python does', () => {
  assert.equal(ljust('é😀', 4), 'é😀  ');
  assert.equal(ljust('😀😀x', 4), '😀😀x ');
});

test('the name column fits the longest name, counted in code points, even over 200,000 rows', () => {
  const many = Array.from({ length: 200_000 }, (_, i) => info(`p${i}`, `p${i}`, 'RUNNING'));
  const lines = formatStatusLines([...many, info('😀'.repeat(40), 'é'.repeat(40), 'RUNNING')]);
  assert.equal(lines[0]!.indexOf('RUNNING'), 40 + 1 + 40 + 3, 'the namespec `😀…:é…` is 81 code points wide, plus 3');
  assert.equal([...lines.at(-1)!].indexOf('R'), 40 + 1 + 40 + 3, 'its own line is padded to the same column');
});

test('status exits 3 when a listed process is stopped, 4 for an unknown name, 3 wins over 4', () => {
  const all = [info('a', 'a', 'RUNNING'), info('b', 'b', 'STOPPED'), info('c', 'c', 'BACKOFF')];
  assert.equal(statusExitCode(selectStatuses(all, ['a', 'c'])), 0);
  assert.equal(statusExitCode(selectStatuses(all, [])), 3);
  assert.equal(statusExitCode(selectStatuses(all, ['a', 'nosuch'])), 4);
  assert.equal(statusExitCode(selectStatuses(all, ['b', 'nosuch'])), 3);
  for (const state of ['EXITED', 'FATAL', 'UNKNOWN'] as const) {
    assert.equal(statusExitCode(selectStatuses([info('x', 'x', state)], [])), 3, state);
  }
  for (const state of ['STARTING', 'STOPPING', 'BACKOFF'] as const) {
    assert.equal(statusExitCode(selectStatuses([info('x', 'x', state)], [])), 0, state);
  }
});

test('status selection keeps the order and repeats of the names and names unknown groups', () => {
  const all = [info('g', 'a', 'RUNNING'), info('g', 'b', 'RUNNING'), info('s', 's', 'RUNNING')];
  const sel = selectStatuses(all, ['s', 'g:*', 's', 'nogrp:', 'g:zz', 'all2']);
  assert.deepEqual(sel.infos.map((i) => i.name), ['s', 'a', 'b', 's']);
  assert.deepEqual(sel.errors, [
    { name: 'nogrp', error: 'no such group' },
    { name: 'g:zz', error: 'no such process' },
    { name: 'all2', error: 'no such process' },
  ]);
  assert.equal(selectStatuses(all, ['nosuch', 'all']).infos.length, 3);
});

test('avail lines are %-32s %-9s %-9s %s', () => {
  const line = availLine({ group: 'cat', name: 'cat', inUse: true, autostart: true, groupPriority: -1, processPriority: 999 });
  assert.equal(line, 'cat                              in use    auto      -1:999');
  assert.equal(
    availLine({ group: 'g', name: 'p', inUse: false, autostart: false, groupPriority: 999, processPriority: 1 }),
    'g:p                              avail     manual    999:1',
  );
});

test('reread lines are sorted by name, or say there is nothing', () => {
  assert.deepEqual(changeLines({ added: ['z', 'b'], changed: ['m'], removed: ['a'] }), [
    'a: disappeared',
    'b: available',
    'm: changed',
    'z: available',
  ]);
  assert.deepEqual(changeLines({ added: [], changed: [], removed: [] }), ['No config updates to processes']);
});

test('result lines use supervisorctl words for each fault', () => {
  const r = (code: Parameters<typeof startResultLine>[0]['code'], description = ''): Parameters<typeof startResultLine>[0] => ({
    group: 'g',
    name: 'p',
    code,
    description,
  });
  assert.equal(startResultLine(r('SUCCESS')), 'g:p: started');
  assert.equal(startResultLine(r('SPAWN_ERROR')), 'g:p: ERROR (spawn error)');
  assert.equal(startResultLine(r('NO_FILE')), 'g:p: ERROR (no such file)');
  assert.equal(startResultLine(r('NOT_EXECUTABLE')), 'g:p: ERROR (file is not executable)');
  assert.equal(startResultLine(r('ABNORMAL_TERMINATION')), 'g:p: ERROR (abnormal termination)');
  assert.throws(() => startResultLine(r('FAILED')), /Unknown result code 30 for g:p/);
  assert.equal(signalResultLine(r('SUCCESS'), 'stopped'), 'g:p: stopped');
  assert.equal(signalResultLine(r('BAD_SIGNAL')), 'g:p: ERROR (bad signal name)');
  assert.equal(signalResultLine(r('FAILED', 'FAILED: could not kill')), 'FAILED: could not kill');
  assert.equal(clearResultLine(r('FAILED')), 'g:p: ERROR (failed)');
});

test('the fault table: dead-program faults exit 7, the tolerated fault keeps the code, others exit 1', () => {
  assert.equal(exitForFault(0, 'SUCCESS'), 0);
  assert.equal(exitForFault(0, 'SPAWN_ERROR'), 7);
  assert.equal(exitForFault(0, 'ABNORMAL_TERMINATION'), 7);
  assert.equal(exitForFault(0, 'NOT_RUNNING'), 7);
  assert.equal(exitForFault(0, 'NOT_RUNNING', 'NOT_RUNNING'), 0);
  assert.equal(exitForFault(7, 'ALREADY_STARTED', 'ALREADY_STARTED'), 7);
  assert.equal(exitForFault(7, 'BAD_NAME'), 1);
});

test('tail arguments follow supervisorctl, quirks included', () => {
  assert.deepEqual(parseTailArgs('web'), { kind: 'tail', name: 'web', channel: 'stdout', bytes: 1600 });
  assert.deepEqual(parseTailArgs('-100 web STDERR'), { kind: 'tail', name: 'web', channel: 'stderr', bytes: 100 });
  assert.deepEqual(parseTailArgs('-f web'), { kind: 'tail', name: 'web', channel: 'stdout', bytes: 'follow' });
  assert.deepEqual(parseTailArgs('a b stderr'), { kind: 'tail', name: 'a', channel: 'stderr', bytes: 1600 });
  assert.deepEqual(parseTailArgs('-0 web'), { kind: 'tail', name: 'web', channel: 'stdout', bytes: 0 });
  assert.deepEqual(parseTailArgs(''), { kind: 'error', message: 'Error: too few arguments', withHelp: true });
  assert.deepEqual(parseTailArgs('a b c d'), { kind: 'error', message: 'Error: too many arguments', withHelp: true });
  assert.deepEqual(parseTailArgs('-f'), { kind: 'error', message: 'Error: tail requires process name', withHelp: false });
  assert.deepEqual(parseTailArgs('-x web'), { kind: 'error', message: 'Error: bad argument -x', withHelp: false });
  assert.deepEqual(parseTailArgs('web bogus'), { kind: 'error', message: "Error: bad channel 'bogus'", withHelp: false });
});

test('maintail arguments follow supervisorctl', () => {
  assert.deepEqual(parseMaintailArgs(''), { kind: 'tail', bytes: 1600 });
  assert.deepEqual(parseMaintailArgs('-f'), { kind: 'tail', bytes: 'follow' });
  assert.deepEqual(parseMaintailArgs('-5'), { kind: 'tail', bytes: 5 });
  assert.deepEqual(parseMaintailArgs('x'), { kind: 'error', message: 'Error: bad argument x', withHelp: false });
  assert.deepEqual(parseMaintailArgs('a b'), { kind: 'error', message: 'Error: too many arguments', withHelp: true });
});

test('words split and integers parse as in Python', () => {
  assert.deepEqual(pySplit('  a\tb \x1c c\n'), ['a', 'b', 'c']);
  assert.equal(pyInt('1_000'), 1000);
  assert.equal(pyInt('-5'), -5);
  assert.equal(pyInt('+7'), 7);
  assert.equal(pyInt('1__0'), null);
  assert.equal(pyInt('x'), null);
});

test('help lists the commands in columns that fit 79 characters', () => {
  const names = 'add avail clear exit fg maintail open pid quit reload remove reread restart shutdown signal start status stop tail update version'.split(' ');
  assert.equal(
    columnize(names, 79),
    'add    exit      open  reload  restart   start   tail   \n' +
      'avail  fg        pid   remove  shutdown  status  update \n' +
      'clear  maintail  quit  reread  signal    stop    version\n',
  );
  assert.equal(columnize(['one'], 79), 'one\n');
});

test('getopt stops at the first word that is not an option and takes unique prefixes', () => {
  assert.deepEqual(getopt(['-c', 'x', 'status', '-s', 'y'], 'c:s:', []), { opts: [['-c', 'x']], args: ['status', '-s', 'y'] });
  assert.deepEqual(getopt(['-icx'], 'ic:', []), { opts: [['-i', ''], ['-c', 'x']], args: [] });
  assert.deepEqual(getopt(['--conf=a'], '', ['configuration=']), { opts: [['--configuration', 'a']], args: [] });
  assert.deepEqual(getopt(['--', '-c'], 'c:', []), { opts: [], args: ['-c'] });
  assert.deepEqual(getopt(['-', 'x'], 'c:', []), { opts: [], args: ['-', 'x'] });
  assert.throws(() => getopt(['-x'], 'c:', []), /^GetoptError: option -x not recognized$|option -x not recognized/);
  assert.throws(() => getopt(['-c'], 'c:', []), /option -c requires argument/);
  assert.throws(() => getopt(['--interactive=3'], '', ['interactive']), /option --interactive must not have an argument/);
  assert.throws(() => getopt(['--p'], '', ['password=', 'prompt=']), /option --p not a unique prefix/);
});

test('a server URL needs a scheme and a host or path', () => {
  for (const ok of ['unix:///tmp/s.sock', 'http://localhost:9001', 'unix://rel.sock', 'x:y']) assert.ok(isUrl(ok), ok);
  for (const bad of ['foo', 'http:', 'http://', '9001', ':x']) assert.ok(!isUrl(bad), bad);
});

test('-o json is taken from anywhere among the words', () => {
  assert.deepEqual(takeOutputFlag(['-o', 'json', 'web'], 'text'), { format: 'json', words: ['web'] });
  assert.deepEqual(takeOutputFlag(['web', '--output=json'], 'text'), { format: 'json', words: ['web'] });
  assert.deepEqual(takeOutputFlag(['-ojson'], 'text'), { format: 'json', words: [] });
  assert.deepEqual(takeOutputFlag(['web'], 'json'), { format: 'json', words: ['web'] });
  assert.ok('error' in takeOutputFlag(['-o', 'yaml'], 'text'));
  assert.ok('error' in takeOutputFlag(['-o'], 'text'));
});

test('unexpected faults print as supervisorctl catch-all, without the Python file and line', () => {
  assert.equal(
    describeUnexpected(new FleetError('SHUTDOWN_STATE', '')),
    "error: <class 'xmlrpc.client.Fault'>, <Fault 6: 'SHUTDOWN_STATE'>\n",
  );
});

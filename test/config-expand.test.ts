import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expand, pyFormat } from '../agent/config/expand.js';
import { ConfigValueError } from '../agent/config/errors.js';

// Expected strings were produced by Python 3.11's `%` operator on this machine.
const names = new Map<string, string | number>([
  ['a', 'xy'],
  ['n', 5],
  ['z', 0],
  ['m', -3],
  ['big', 123456789],
  ['c', 'q'],
  ['u', 'é'],
]);

const cases: [string, string][] = [
  ['%(a)s', 'xy'],
  ['%(n)d', '5'],
  ['%(n)02d', '05'],
  ['%(n)5d|', '    5|'],
  ['%(n)-5d|', '5    |'],
  ['%(n)+d', '+5'],
  ['%(n) d', ' 5'],
  ['%(n)i %(n)u', '5 5'],
  ['%(n).3d', '005'],
  ['%(m)05d', '-0003'],
  ['%(m).3d', '-003'],
  ['%(n)-08d|', '5       |'],
  ['%(n)+08d', '+0000005'],
  ['%(n) 08d', ' 0000005'],
  ['%(n)ld', '5'],
  ['%(n)x', '5'],
  ['%(n)#x', '0x5'],
  ['%(z)#x', '0x0'],
  ['%(n)#o', '0o5'],
  ['%(n)#.3o', '0o005'],
  ['%(m)#X', '-0X3'],
  ['%(n)#5x|', '  0x5|'],
  ['%(n)#05x', '0x005'],
  ['%(n)e', '5.000000e+00'],
  ['%(z)e', '0.000000e+00'],
  ['%(m)+.2e', '-3.00e+00'],
  ['%(n).0e', '5e+00'],
  ['%(n)#.0e', '5.e+00'],
  ['%(big)e', '1.234568e+08'],
  ['%(big)E', '1.234568E+08'],
  ['%(n)010.3e', '05.000e+00'],
  ['%(n).2f', '5.00'],
  ['%(n).0f', '5'],
  ['%(n)#.0f', '5.'],
  ['%(n)05.1f', '005.0'],
  ['%(n)F', '5.000000'],
  ['%(n)g', '5'],
  ['%(z)g', '0'],
  ['%(n)#g', '5.00000'],
  ['%(big)g', '1.23457e+08'],
  ['%(big).3g', '1.23e+08'],
  ['%(big).10g', '123456789'],
  ['%(big)G', '1.23457E+08'],
  ['%(a)r', "'xy'"],
  ['%(u)r', "'é'"],
  ['%(u)a', "'\\xe9'"],
  ['%(n)r', '5'],
  ['%(a)5s|', '   xy|'],
  ['%(a)-5s|', 'xy   |'],
  ['%(a).1s', 'x'],
  ['%(n)10.4s|', '         5|'],
  ['%(a)#s', 'xy'],
  ['%(c)c', 'q'],
  ['%(n)5c|', '    \x05|'],
  ['100%%', '100%'],
  ['%%(a)s', '%(a)s'],
];

for (const [format, expected] of cases) {
  test(`formats ${format} as Python does`, () => {
    assert.equal(pyFormat(format, names), expected);
  });
}

const badlyFormatted: [string, string][] = [
  ['%', 'incomplete format'],
  ['100%', 'incomplete format'],
  ['%(a)s%', 'incomplete format'],
  ['%(a)', 'incomplete format'],
  ['%(a', 'incomplete format key'],
  ['%(a)q', "unsupported format character 'q' (0x71) at index 4"],
  ['%(n)%', "unsupported format character '%' (0x25) at index 4"],
  ['%(a)d', '%d format: a real number is required, not str'],
  ['%(a)x', '%x format: an integer is required, not str'],
  ['%(a)e', 'must be real number, not str'],
  ['%(a)5c', '%c requires int or char'],
  ['%(a)*d', '* wants int'],
];

for (const [format, reason] of badlyFormatted) {
  test(`reports ${format} as badly formatted: ${reason}`, () => {
    assert.throws(() => expand(format, names, 'program:x.command'), (err: unknown) => {
      assert.ok(err instanceof ConfigValueError);
      assert.equal(err.message, `Format string '${format}' for 'program:x.command' is badly formatted: ${reason}`);
      return true;
    });
  });
}

test('a conversion without a name is badly formatted rather than printing the dict', () => {
  assert.throws(() => expand('date +%s', names, 'program:x.command'), {
    message:
      "Format string 'date +%s' for 'program:x.command' is badly formatted: " +
      'every conversion needs a name, as in %(name)s; write %% for a literal %',
  });
});

test('an unknown name lists the available names sorted as Python sorts them', () => {
  const available = new Map<string, string | number>([
    ['program_name', 'x'],
    ['here', '/etc'],
    ['ENV_PATH', '/bin'],
    ['group_name', 'x'],
    ['ENV_HOME', '/root'],
    ['host_node_name', 'h'],
    ['numprocs', 1],
    ['process_num', 0],
  ]);
  assert.throws(() => expand('/bin/cat %(bogus)s', available, 'program:x.command'), {
    message:
      "Format string '/bin/cat %(bogus)s' for 'program:x.command' contains names ('bogus') which cannot be expanded. " +
      'Available names: ENV_HOME, ENV_PATH, group_name, here, host_node_name, numprocs, process_num, program_name',
  });
});

test('an unknown name is reported even when the rest of the conversion is bad, as Python looks it up first', () => {
  assert.throws(() => expand('%(nope)q', names, 'k'), /contains names \('nope'\)/);
});

test('a problem earlier in the string wins over an unknown name later', () => {
  assert.throws(() => expand('%(a)d %(nope)s', names, 'k'), /badly formatted: %d format/);
});

test('nested parentheses belong to the name', () => {
  assert.equal(pyFormat('%(x(y))s', new Map([['x(y)', 'ok']])), 'ok');
});

test('a value with quotes is shown in the message the way Python repr shows it', () => {
  assert.throws(() => expand("it's %(nope)s", names, 'k'), (err: unknown) => {
    assert.match((err as Error).message, /^Format string "it's %\(nope\)s" for 'k'/);
    return true;
  });
});

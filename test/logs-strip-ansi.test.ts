import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnsiStripper } from '../agent/logs/strip-ansi.js';

const ESC = '\x1b';

/** Feeds `chunks` through one stripper the way ChannelLog does and returns what would be written. */
function stripChunks(chunks: Buffer[]): Buffer {
  const stripper = new AnsiStripper();
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const copy = Buffer.from(chunk);
    const kept = stripper.strip(copy);
    if (stripper.releasedEscape) out.push(Buffer.from(ESC, 'latin1'));
    out.push(copy.subarray(0, kept));
  }
  if (stripper.end()) out.push(Buffer.from(ESC, 'latin1'));
  return Buffer.concat(out);
}

function strip(text: string): string {
  return stripChunks([Buffer.from(text, 'latin1')]).toString('latin1');
}

/** supervisord's stripEscapes (supervisor/dispatchers.py), transcribed as the reference. */
function stripEscapesReference(s: Buffer): Buffer {
  const terminators = new Set('HfABCDRsuJKhlpm');
  const out: number[] = [];
  let show = true;
  let i = 0;
  while (i < s.length) {
    if (!show && terminators.has(String.fromCharCode(s[i]!))) show = true;
    else if (show) {
      const n = s.indexOf(Buffer.from(`${ESC}[`, 'latin1'), i);
      if (n === -1) return Buffer.concat([Buffer.from(out), s.subarray(i)]);
      out.push(...s.subarray(i, n));
      i = n;
      show = false;
    }
    i++;
  }
  return Buffer.from(out);
}

test('strips the same sequences as supervisord 4.2.5 (vectors checked against stripEscapes)', () => {
  const cases: Array<[string, string]> = [
    [`${ESC}[31mred${ESC}[0m`, 'red'],
    [`a${ESC}${ESC}[1mb`, `a${ESC}b`],
    [`${ESC}x`, `${ESC}x`],
    [`a${ESC}[`, 'a'],
    [`${ESC}[12;3Hxy`, 'xy'],
    [`${ESC}[?25lz`, 'z'],
    [`${ESC}[1;2;3abcmDONE`, 'DONE'],
    [`${ESC}[[m`, ''],
    ['plain\xff\xfe', 'plain\xff\xfe'],
    [`${ESC}]0;title\x07rest`, `${ESC}]0;title\x07rest`],
  ];
  for (const [input, expected] of cases) assert.equal(strip(input), expected, JSON.stringify(input));
});

test('every terminator in HfABCDRsuJKhlpm ends a sequence, and nothing else does', () => {
  for (const t of 'HfABCDRsuJKhlpm') assert.equal(strip(`<${ESC}[1${t}>`), '<>', t);
  assert.equal(strip(`<${ESC}[1x2y>m>`), '<>', 'x, y and > are not terminators: the sequence runs to the m');
});

test('a chunk without ESC comes back untouched, invalid UTF-8 included', () => {
  const data = Buffer.from([0x80, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x00, 0x0a, 0x0d]);
  assert.deepEqual(stripChunks([data]), data);
});

test('a sequence split between two reads is still removed, wherever the split falls', () => {
  const text = `start ${ESC}[1;31mbold red${ESC}[0m ${ESC}x ${ESC}[K end${ESC}`;
  const whole = strip(text);
  assert.equal(whole, `start bold red ${ESC}x  end${ESC}`);
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at <= bytes.length; at++) {
    const split = stripChunks([bytes.subarray(0, at), bytes.subarray(at)]).toString('latin1');
    assert.equal(split, whole, `split at ${at}`);
  }
});

test('an ESC at the end of a chunk is held back until the next byte decides', () => {
  const stripper = new AnsiStripper();
  const first = Buffer.from(`ab${ESC}`, 'latin1');
  assert.equal(stripper.strip(first), 2);
  const second = Buffer.from('[mcd', 'latin1');
  const kept = stripper.strip(second);
  assert.equal(stripper.releasedEscape, false);
  assert.equal(second.toString('latin1', 0, kept), 'cd');

  const third = Buffer.from(`e${ESC}`, 'latin1');
  assert.equal(stripper.strip(third), 1);
  const fourth = Buffer.from('f', 'latin1');
  assert.equal(stripper.strip(fourth), 1);
  assert.equal(stripper.releasedEscape, true, 'ESC not followed by [ is plain output, written before this chunk');
});

test('a lone ESC at the very end of the stream is written by end()', () => {
  const stripper = new AnsiStripper();
  stripper.strip(Buffer.from(`x${ESC}`, 'latin1'));
  assert.equal(stripper.end(), true);
  assert.equal(stripper.end(), false, 'end() starts the stripper afresh');
});

test('random streams give supervisord\'s result in one piece, and the same result split into random reads', () => {
  // Deterministic pseudo-random inputs over an alphabet dense in escapes and terminators.
  let seed = 12345;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const alphabet = Buffer.from(`${ESC}${ESC}[[mHa1;\xff\n`, 'latin1');
  for (let round = 0; round < 500; round++) {
    const input = Buffer.alloc(1 + next(60));
    for (let i = 0; i < input.length; i++) input[i] = alphabet[next(alphabet.length)]!;
    const expected = stripEscapesReference(input);
    assert.deepEqual(stripChunks([input]), expected, `input ${input.toString('hex')}`);
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; ) {
      const len = 1 + next(8);
      chunks.push(input.subarray(at, at + len));
      at += len;
    }
    assert.deepEqual(stripChunks(chunks), expected, `input ${input.toString('hex')} in ${chunks.length} reads`);
  }
});

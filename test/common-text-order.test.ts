import assert from 'node:assert/strict';
import test from 'node:test';
import { compareCodePoints } from '../common/text-order.js';

/** The order by definition: code point by code point, then the shorter first. */
function byDefinition(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

test('code points beyond U+FFFF sort above U+E000-U+FFFF, as Python sorts them and unlike UTF-16 order', () => {
  const names = ['web\u{1F600}', 'web\uFF5E', 'web', 'webz', 'web\uE000x'];
  assert.deepEqual([...names].sort(compareCodePoints), ['web', 'webz', 'web\uE000x', 'web\uFF5E', 'web\u{1F600}']);
  assert.notDeepEqual([...names].sort(), [...names].sort(compareCodePoints), 'the default sort differs here');
});

test('the order agrees with comparing code point by code point on mixed random strings', () => {
  const alphabet = ['a', 'b', 'Z', '0', ':', '-', '\u00E9', '\uD7FF', '\uE000', '\uFFFD', '\u{10000}', '\u{1F600}', '\u{10FFFF}'];
  let seed = 42;
  const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const word = (): string => Array.from({ length: random(5) }, () => alphabet[random(alphabet.length)]!).join('');
  for (let i = 0; i < 5000; i++) {
    const a = word();
    const b = word();
    assert.equal(Math.sign(compareCodePoints(a, b)), Math.sign(byDefinition(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
});

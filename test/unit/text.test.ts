/**
 * The one policy for untrusted text (src/skaffold/base/text.ts), tested directly: what is
 * removed never survives, widths hold, cleaning twice changes nothing, escape sequences go
 * whole, and the one loopback check. Adversarial strings come from ./arbitraries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Bound, bounded, cleanLine, cleanText, clip, isLoopbackHost, oneLine, oneLineElided, UNSAFE_CHARACTER, Width,
} from '../../src/skaffold/base/text';
import { adversarialString, DEFAULT_SEED } from './arbitraries';

const RUNS = { seed: DEFAULT_SEED, numRuns: 3000 };

/** Any width a caller passes: the named ones, and small and odd ones. */
const width = fc.oneof(fc.constantFrom(...Object.values(Width), ...Object.values(Bound)), fc.integer({ min: 0, max: 400 }));

/** Every character that must go: C0, DEL, C1, U+2028/9, bidi controls and marks, BOM. */
const REMOVED: string[] = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
  '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u200e', '\u200f', '\u061c', '\ufeff',
];

test('the character class: every removed character is in it, and ordinary text is not', () => {
  for (const c of REMOVED) {
    assert.match(c, UNSAFE_CHARACTER, `U+${c.charCodeAt(0).toString(16)}`);
  }
  for (const c of ['a', ' ', 'é', '…', '\u00a0', '\u200b', '😀', '$', '<', '\\']) {
    assert.doesNotMatch(c, UNSAFE_CHARACTER, c);
  }
});

test('oneLine: no removed character and no line break survive, the width holds, trimmed, whitespace collapsed, and cleaning again changes nothing', () => {
  fc.assert(fc.property(adversarialString, width, (text, w) => {
    const line = oneLine(text, w);
    assert.doesNotMatch(line, UNSAFE_CHARACTER);
    assert.ok(line.length <= w, `${line.length} > ${w}`);
    assert.equal(line, line.trim());
    assert.doesNotMatch(line, /\s\s/);
    assert.equal(oneLine(line, w), line);
  }), RUNS);
});

test('cleanText: only tab and newline are kept of the removed characters, the width holds, and cleaning again changes nothing', () => {
  fc.assert(fc.property(adversarialString, width, (text, w) => {
    const clean = cleanText(text, w);
    assert.doesNotMatch(clean.replace(/[\t\n]/g, ''), UNSAFE_CHARACTER);
    assert.doesNotMatch(clean, /\r/);
    assert.ok(clean.length <= w);
    assert.equal(cleanText(clean, w), clean);
  }), RUNS);
});

test('cleanLine: only tab is kept, spaces stay as they are, the width holds (a cut ends with the given ellipsis), and cleaning again changes nothing', () => {
  fc.assert(fc.property(adversarialString, width, fc.constantFrom('…', '', ' [cut]'), (text, w, ellipsis) => {
    const line = cleanLine(text, w, ellipsis);
    assert.doesNotMatch(line.replace(/\t/g, ''), UNSAFE_CHARACTER);
    assert.ok(line.length <= w);
    assert.equal(cleanLine(line, w, ellipsis), line);
  }), RUNS);
  assert.equal(cleanLine('\tindented  by  two\r', 100), '\tindented  by  two');
  assert.equal(cleanLine('x'.repeat(20), 10, ' [cut]'), 'xxxx [cut]');
});

test('text without anything to remove is kept as it is, but for whitespace in a one-line label', () => {
  const safe = fc.string({ unit: fc.constantFrom(...'abc XYZ 019 <>&"\'`[]()*_#|$:.-é…😀\t\n'.split('')), maxLength: 200 });
  fc.assert(fc.property(safe, (text) => {
    assert.equal(cleanText(text, 1000), text);
    assert.equal(oneLine(text, 1000), text.replace(/\s+/g, ' ').trim());
    assert.equal(cleanLine(text.replace(/\n/g, ''), 1000), text.replace(/\n/g, ''));
  }), RUNS);
});

test('escape sequences go whole: colours, cursor moves, titles, OSC 8 links of any URL, DCS, 8-bit forms', () => {
  const cases: [string, string][] = [
    ['\x1b[31mred\x1b[0m', 'red'],
    ['\x1b[1;38;5;196mbold\x1b[m', 'bold'],
    ['\x9b31mred', 'red'],
    ['a\x1b[2Jb\x1b[?25lc', 'abc'],
    ['\x1b]0;window title\x07text', 'text'],
    ['\x1b]8;;https://example.com/a?b=c&d\x07link\x1b]8;;\x07', 'link'],
    // Node's stripVTControlCharacters alone leaves these half in place:
    ['\x1b]8;;https://evil.example/a,b+c(1)!\x07link\x1b]8;;\x07', 'link'],
    ['\x1b]8;id=1;https://evil.example\x07link\x1b]8;;\x07', 'link'],
    ['\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', 'link'],
    ['\x9d8;;https://evil.example\x9clink\x9d8;;\x9c', 'link'],
    ['\x1bP1$r0m\x1b\\after', 'after'],
    ['\x1b_apc\x1b\\after', 'after'],
    ['\x1bcreset', 'reset'],
    ['lone \x1b escape', 'lone escape'],
    ['unterminated \x1b]8;;https://evil.example', 'unterminated'],
  ];
  for (const [raw, shown] of cases) {
    assert.equal(oneLine(raw, 200), shown, JSON.stringify(raw));
    assert.ok(!cleanText(raw, 200).includes('evil'), JSON.stringify(raw));
  }
});

test('line breaks: a newline in multi-line text, a space in one line', () => {
  assert.equal(cleanText('a\r\nb\rc\u2028d\u2029e\u0085f\vg\fh', 100), 'a\nb\nc\nd\ne\nf\ng\nh');
  assert.equal(oneLine('a\r\nb\u2028c\u0085d\t\te', 100), 'a b c d e');
  assert.equal(oneLine('a\u0000b\u202ec\ufeffd', 100), 'abcd', 'controls and invisible characters go without a trace');
});

test('a cut ends with "…" within the width, never between the halves of a surrogate pair', () => {
  assert.equal(oneLine('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  assert.equal(oneLine(`${'a'.repeat(9)}\ud83d\ude00`, 10), `${'a'.repeat(9)}…`);
  assert.equal(oneLine('abcd    efgh', 7), 'abcd …', 'cut, then collapsed: a space before the ellipsis stays');
  assert.equal(clip('😀😀😀', 4), '😀…');
  assert.equal(clip('abc', 0), '');
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('😀', 'a', ' '), maxLength: 60 }), width, (text, w) => {
    for (const s of [oneLine(text, w), cleanText(text, w), cleanLine(text, w), clip(text, w)]) {
      assert.doesNotMatch(s, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone high surrogate');
    }
  }), RUNS);
});

test('oneLineElided keeps the start and the end of a long name', () => {
  assert.equal(oneLineElided('app-6d8f7c9b5-x2k4q', 64), 'app-6d8f7c9b5-x2k4q');
  const s = oneLineElided(`front${'-'.repeat(100)}x2k4q`, 20);
  assert.ok(s.length <= 20 && s.startsWith('front') && s.endsWith('x2k4q') && s.includes('…'), s);
  fc.assert(fc.property(adversarialString, width, (text, w) => {
    const e = oneLineElided(text.slice(0, 2000), w);
    assert.ok(e.length <= w);
    assert.doesNotMatch(e, UNSAFE_CHARACTER);
  }), RUNS);
});

test('only primitives become text: objects are never asked for their string', () => {
  const evil = { toString: () => { throw new Error('called'); } };
  for (const f of [(v: unknown) => oneLine(v, 10), (v: unknown) => cleanText(v, 10), (v: unknown) => cleanLine(v, 10)]) {
    assert.equal(f(evil), '');
    assert.equal(f(null), '');
    assert.equal(f(undefined), '');
    assert.equal(f(['a']), '');
    assert.equal(f(42), '42');
    assert.equal(f(true), 'true');
    assert.equal(f(12n), '12');
  }
  assert.equal(bounded(evil, 10), undefined);
  assert.equal(bounded('', 10), undefined);
  assert.equal(bounded(7, 10), '7');
  assert.equal(bounded('x'.repeat(20), 10), `${'x'.repeat(9)}…`);
  assert.equal(bounded('keeps\nits\u0000words', 100), 'keeps\nits\u0000words', 'the state keeps Skaffold\'s words: cleaning is for showing');
  fc.assert(fc.property(fc.anything(), width, (value, w) => {
    const b = bounded(value, w);
    assert.ok(b === undefined || (typeof b === 'string' && b.length > 0 && b.length <= w));
  }), RUNS);
});

test('the one loopback check', () => {
  const loopback = [
    'localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '127.255.255.255', '::1', '[::1]', '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001', '::0:1', '[0::1]', '::ffff:127.0.0.1', '[::ffff:127.9.9.9]', '::ffff:7f00:1',
  ];
  const not = [
    '', '0.0.0.0', '10.0.0.1', '128.0.0.1', '127.0.0.256', '127.0.0', '127.0.0.1.', '127.0.0.1.nip.io', '127.0.0.1@evil.example',
    'evil.example', 'localhost.evil.example', 'app.localhost', 'localhost:80', '::', '::2', '1::1', '::1:0', '[::1', '::1]', ':::1', '1:2:3:4:5:6:7:8:9',
    '::ffff:10.0.0.1', '::ffff:127.0.0.256', '2001:db8::1', 'fe80::1%eth0', ' 127.0.0.1', '127.0.0.1\n', 'javascript:alert(1)//',
  ];
  for (const h of loopback) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of not) {
    assert.equal(isLoopbackHost(h), false, JSON.stringify(h));
  }
  fc.assert(fc.property(adversarialString, (h) => {
    // Whatever it is, a host said to be loopback is a plain host: nothing a URL could be bent with.
    if (isLoopbackHost(h)) {
      assert.match(h, /^(localhost|[\d.]+|\[?[0-9a-f:.]+\]?)$/i);
    }
  }), RUNS);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeArg, escapeProgramName, joinCommandLine, splitCommandLine } from '../../../../src/platform/hcs/document/cmdline.js';

test('escapeArg follows Go syscall.EscapeArg', () => {
  const cases: [string, string][] = [
    ['', '""'],
    ['abc', 'abc'],
    ['a b', '"a b"'],
    ['a\tb', '"a\tb"'],
    ['C:\\dir\\file', 'C:\\dir\\file'], // backslashes alone need no quoting
    ['a"b', 'a\\"b'],
    ['a\\"b', 'a\\\\\\"b'], // backslash before quote doubled, plus the escape
    ['C:\\Program Files\\', '"C:\\Program Files\\\\"'], // trailing backslashes doubled before closing quote
    ['C:\\a b\\c', '"C:\\a b\\c"'],
    ['say "hi" now', '"say \\"hi\\" now"'],
    ['\\\\', '\\\\'],
    ['\\\\ x', '"\\\\ x"'],
  ];
  for (const [input, want] of cases) assert.equal(escapeArg(input), want, JSON.stringify(input));
});

test('program name is quoted verbatim for the argv[0] rule', () => {
  assert.equal(escapeProgramName('cmd.exe'), 'cmd.exe');
  assert.equal(escapeProgramName('C:\\Program Files\\app\\'), '"C:\\Program Files\\app\\"');
  assert.equal(escapeProgramName(''), '""');
  assert.equal(joinCommandLine(['C:\\Program Files\\x.exe', '/c', 'echo hi']), '"C:\\Program Files\\x.exe" /c "echo hi"');
  assert.equal(joinCommandLine([]), '');
});

test('splitCommandLine: argument rules', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['prog', ['prog']],
    ['prog  a   b\t c', ['prog', 'a', 'b', 'c']],
    ['prog "abc" d e', ['prog', 'abc', 'd', 'e']],
    ['prog a\\\\\\b d"e f"g h', ['prog', 'a\\\\\\b', 'de fg', 'h']],
    ['prog a\\\\\\"b c d', ['prog', 'a\\"b', 'c', 'd']],
    ['prog a\\\\\\\\"b c" d e', ['prog', 'a\\\\b c', 'd', 'e']],
    ['prog ""', ['prog', '']],
    ['prog "" ""', ['prog', '', '']],
    ['prog "a""b"', ['prog', 'a"b']], // post-2008: "" inside quotes is a literal quote
    ['prog "a""b c"', ['prog', 'a"b c']],
    ['prog "unterminated arg', ['prog', 'unterminated arg']],
    ['prog trailing\\', ['prog', 'trailing\\']],
    ['prog a ', ['prog', 'a']],
    ['prog \\"', ['prog', '"']],
  ];
  for (const [input, want] of cases) assert.deepEqual(splitCommandLine(input), want, JSON.stringify(input));
});

test('splitCommandLine: argv[0] rules', () => {
  const cases: [string, string[]][] = [
    ['"C:\\Program Files\\x.exe" -a', ['C:\\Program Files\\x.exe', '-a']],
    ['"C:\\dir\\" x', ['C:\\dir\\', 'x']], // no backslash processing in a quoted program name
    ['C:\\a\\"b c', ['C:\\a\\"b', 'c']], // unquoted: quotes and backslashes are literal
    ['a"b c"d e', ['a"b', 'cd e']], // the rest follows the normal rules: the quote opens an unterminated section
    ['"abc"def g', ['abc', 'def', 'g']], // next argument starts right after the closing quote
    ['"unterminated prog', ['unterminated prog']],
    [' a b', ['', 'a', 'b']], // leading blank: empty program name
    ['""', ['']],
    ['"" x', ['', 'x']],
  ];
  for (const [input, want] of cases) assert.deepEqual(splitCommandLine(input), want, JSON.stringify(input));
});

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomString(r: () => number, alphabet: string, maxLen: number): string {
  const len = Math.floor(r() * (maxLen + 1));
  let s = '';
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

test('randomized round trip: splitCommandLine(joinCommandLine(args)) == args', () => {
  const r = rng(0x5eed);
  const argAlphabet = 'ab\\" \t"\\\\x\u00e9';
  const progAlphabet = 'ab\\ \t:.x'; // Windows file names cannot contain a double quote
  for (let i = 0; i < 5000; i++) {
    const args = [randomString(r, progAlphabet, 8)];
    const n = Math.floor(r() * 5);
    for (let j = 0; j < n; j++) args.push(randomString(r, argAlphabet, 10));
    const line = joinCommandLine(args);
    assert.deepEqual(splitCommandLine(line), args, `line ${JSON.stringify(line)}`);
  }
});

test('randomized: escapeArg of any argument after a plain program name round-trips', () => {
  const r = rng(42);
  for (let i = 0; i < 5000; i++) {
    const arg = randomString(r, '\\"\t a', 12);
    assert.deepEqual(splitCommandLine(`p ${escapeArg(arg)}`), ['p', arg], JSON.stringify(arg));
  }
});

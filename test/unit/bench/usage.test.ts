/**
 * The bench's command line: `--help` / `-h` print every flag and exit 0 without running anything; an unknown flag
 * exits 2 naming it. Every flag the bench reads (run.ts, recovery.ts) is in the list `--help` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkArgs, usage, type FlagSpec } from '../../../bench/lib/usage.js';
import { BENCH_FLAGS } from '../../../bench/run-flags.js';

const RUN = fileURLToPath(new URL('../../../bench/run.js', import.meta.url));
const SPECS: FlagSpec[] = [{ name: 'pods', value: 'N', about: 'pods' }, { name: 'no-peer', about: 'no peer' }];

test('checkArgs: help, unknown flags, stray arguments and missing values', () => {
  assert.deepEqual(checkArgs(SPECS, ['--pods', '3', '--no-peer']), { kind: 'run' });
  assert.deepEqual(checkArgs(SPECS, ['--pods', '--no-peer']), { kind: 'run' }, 'a value is taken as it stands');
  assert.deepEqual(checkArgs(SPECS, ['--pods', '3', '-h']), { kind: 'help' });
  assert.deepEqual(checkArgs(SPECS, ['--bogus', '--help']), { kind: 'help' });
  assert.deepEqual(checkArgs(SPECS, ['--pods', '--help']), { kind: 'run' }, 'the value of --pods, not a request for help');
  assert.deepEqual(checkArgs(SPECS, ['--pods', '-h', '--no-peer']), { kind: 'run' }, 'the value of --pods, not a request for help');
  assert.deepEqual(checkArgs(SPECS, ['--pods', '-h', '--help']), { kind: 'help' });
  assert.deepEqual(checkArgs(SPECS, ['--no-peer', '--bogus']), { kind: 'bad', message: 'unknown flag --bogus' });
  assert.deepEqual(checkArgs(SPECS, ['--pods=3']), { kind: 'bad', message: 'unknown flag --pods=3' });
  assert.deepEqual(checkArgs(SPECS, ['--no-peer', 'x']), { kind: 'bad', message: 'unexpected argument x' });
  assert.deepEqual(checkArgs(SPECS, ['--pods']), { kind: 'bad', message: '--pods needs a value (N)' });
});

test('usage: one line a flag, its value and description', () => {
  const lines = usage('bench', SPECS).split('\n');
  assert.equal(lines[0], 'usage: bench [flags]');
  assert.match(lines.find((l) => l.includes('--pods'))!, /--pods N\s+pods$/);
  assert.match(lines.find((l) => l.includes('--no-peer'))!, /--no-peer\s+no peer$/);
  assert.ok(lines.some((l) => l.includes('--help, -h')));
});

test('every flag the bench reads is listed for --help', () => {
  const names = new Set(BENCH_FLAGS.map((f) => f.name));
  for (const file of ['run.ts', 'recovery.ts']) {
    const src = readFileSync(fileURLToPath(new URL(`../../../../bench/${file}`, import.meta.url)), 'utf8');
    const read = [...src.matchAll(/\b(?:numFlag|intFlag|strFlag|boolFlag)\('([a-z-]+)'/g)].map((m) => m[1]!);
    assert.ok(read.length > 0, `found the flags ${file} reads`);
    for (const n of read) assert.ok(names.has(n), `${file} reads --${n}, which --help does not list`);
  }
  for (const p of ['lifecycle', 'steady', 'logs', 'exec', 'pull', 'recovery']) assert.ok(names.has(`skip-${p}`));
});

test('bench --help and -h print every flag and exit 0; an unknown flag exits 2 naming it', () => {
  for (const h of ['--help', '-h']) {
    const r = spawnSync(process.execPath, [RUN, '--no-peer', h], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const f of BENCH_FLAGS) assert.ok(r.stdout.includes(`--${f.name}`), `--help lacks --${f.name}`);
    assert.doesNotMatch(r.stderr + r.stdout, /targets:|total bench time/, 'nothing ran');
  }
  const bad = spawnSync(process.execPath, [RUN, '--no-peer', '--podz', '3'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown flag --podz/);
  assert.doesNotMatch(bad.stderr + bad.stdout, /targets:|total bench time/, 'nothing ran');
});

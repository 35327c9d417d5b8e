/**
 * The command lines of the bench, chaos and soak runs: `--help` / `-h` print every flag and exit 0 without running
 * anything; an unknown flag exits 2 naming it. Every flag each reads is in the list its `--help` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkArgs, usage, type FlagSpec } from '../../../bench/lib/usage.js';
import { BENCH_FLAGS } from '../../../bench/run-flags.js';
import { CHAOS_FLAGS } from '../../../bench/chaos/flags.js';
import { SOAK_FLAGS } from '../../../bench/soak/flags.js';

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

interface Command {
  name: string;
  /** The compiled script, from the bench directory. */
  script: string;
  /** Its sources that read flags, from the bench directory. */
  sources: string[];
  flags: readonly FlagSpec[];
  /**
   * Arguments added to every run: with them the command fails at once (exit 1, nothing started) should it get past
   * its flag check, so that a broken check runs no bench, no daemon and no networking here.
   */
  guard: string[];
  /** Output that means the command ran. */
  ran: RegExp;
}

const COMMANDS: Command[] = [
  { name: 'bench', script: 'run.js', sources: ['run.ts', 'recovery.ts'], flags: BENCH_FLAGS, guard: ['--no-peer', '--pods', '-1'], ran: /targets:|total bench time|needs a non-negative/ },
  { name: 'chaos', script: 'chaos/main.js', sources: ['chaos/main.ts'], flags: CHAOS_FLAGS, guard: ['--victims', 'nobody'], ran: /^round\s+\d|unknown process/m },
  { name: 'soak', script: 'soak/main.js', sources: ['soak/main.ts'], flags: SOAK_FLAGS, guard: ['--minutes', '-1'], ran: /soak:|needs a non-negative/ },
];

for (const c of COMMANDS) {
  test(`every flag ${c.name} reads is listed for --help`, () => {
    const names = new Set(c.flags.map((f) => f.name));
    for (const file of c.sources) {
      const src = readFileSync(fileURLToPath(new URL(`../../../../bench/${file}`, import.meta.url)), 'utf8');
      const read = [...src.matchAll(/\b(?:numFlag|intFlag|strFlag|boolFlag)\('([a-z-]+)'/g)].map((m) => m[1]!);
      assert.ok(read.length > 0, `found the flags ${file} reads`);
      for (const n of read) assert.ok(names.has(n), `${file} reads --${n}, which --help does not list`);
    }
  });

  test(`${c.name} --help and -h print every flag and exit 0; an unknown flag exits 2 naming it`, () => {
    const script = fileURLToPath(new URL(`../../../bench/${c.script}`, import.meta.url));
    for (const h of ['--help', '-h']) {
      const r = spawnSync(process.execPath, [script, ...c.guard, h], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      for (const f of c.flags) assert.ok(r.stdout.includes(`--${f.name}`), `--help lacks --${f.name}`);
      assert.doesNotMatch(r.stderr + r.stdout, c.ran, 'nothing ran');
    }
    const bad = spawnSync(process.execPath, [script, ...c.guard, '--podz', '3'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /unknown flag --podz \(--help lists the flags\)/);
    assert.doesNotMatch(bad.stderr + bad.stdout, c.ran, 'nothing ran');
  });
}

test('bench --help lists a --skip-<phase> for every phase', () => {
  const names = new Set(BENCH_FLAGS.map((f) => f.name));
  for (const p of ['lifecycle', 'steady', 'logs', 'exec', 'pull', 'recovery']) assert.ok(names.has(`skip-${p}`));
});

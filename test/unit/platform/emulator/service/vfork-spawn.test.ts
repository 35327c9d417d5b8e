/**
 * The emulator's posix_spawn launcher (vfork-spawn.ts): descriptors reach the child where planned, an exec failure
 * is the right error, exits and signals are reported, the child starts as Node's spawn would start it (own session,
 * default signal actions), and the service's `ip` runs capture output and status (vfork-run.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { vforkSpawn, type VforkChild } from '../../../../../src/platform/emulator/service/vfork-spawn.js';
import { vforkLibc } from '../../../../../src/platform/emulator/service/vfork-libc.js';
import { vforkRun } from '../../../../../src/platform/emulator/service/vfork-run.js';
import { spawnWithOutput } from '../../../../../src/platform/emulator/service/process-output.js';
import { PlatformError, HRESULT } from '../../../../../src/platform/hresult.js';

const available = vforkSpawn('/bin/true', [], { stdio: ['ignore', 'ignore', 'ignore'] }) !== null;
const exited = (c: VforkChild) => new Promise<[number | null, string | null]>((r) => {
  if (c.exitCode !== null || c.signalCode !== null) r([c.exitCode, c.signalCode]); else c.once('exit', (code, sig) => r([code, sig]));
});
const text = (r: Readable) => new Promise<string>((res) => { let s = ''; r.setEncoding('utf8').on('data', (d: string) => { s += d; }).once('close', () => res(s)); });

test('descriptors, cwd, environment and argv[0] reach the child; stdin and extra pipes work', { skip: !available && 'no posix_spawn (koffi/glibc)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vfork-'));
  try {
    const file = openSync(join(dir, 'out'), 'w');
    const c = vforkSpawn('/bin/sh', ['-c', 'read line; echo "$0 $PWD $FOO $line"; echo three >&3; echo err >&2; exit 7'], {
      argv0: 'name0', cwd: dir, env: { FOO: 'bar', PATH: '/usr/bin:/bin' }, stdio: ['pipe', file, 'pipe', 'pipe'],
    })!;
    closeSync(file);
    c.stdin!.end('in\n');
    const [three, err, [code, sig]] = await Promise.all([text(c.stdio[3] as Readable), text(c.stderr!), exited(c)]);
    assert.deepEqual([code, sig], [7, null]);
    assert.equal(three, 'three\n');
    assert.equal(err, 'err\n');
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), `name0 ${dir} bar in\n`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a detached child has its own session and every signal at its default action; a kill is reported', { skip: !available && 'no posix_spawn' }, async () => {
  const c = vforkSpawn('/bin/sleep', ['30'], { detached: true, stdio: ['ignore', 'ignore', 'ignore'] })!;
  assert.equal(c.kill('SIGKILL'), false, 'not started yet: nothing (and never group 0) is signalled');
  await new Promise((r) => c.once('spawn', r));
  const status = readFileSync(`/proc/${c.pid}/status`, 'utf8');
  // The service ignores SIGPIPE (Node does); the child must not inherit that, nor a blocked signal (1-31: glibc
  // keeps its two internal real-time signals out of posix_spawn's reach).
  const low = (k: string) => parseInt(new RegExp(`^${k}:\\s+([0-9a-f]+)$`, 'm').exec(status)![1]!.slice(-8), 16) & 0x7fffffff;
  assert.equal(low('SigIgn'), 0);
  assert.equal(low('SigBlk'), 0);
  const stat = readFileSync(`/proc/${c.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  assert.equal(Number(stat[3]), c.pid, 'session id is its own pid');
  c.kill('SIGKILL');
  assert.deepEqual(await exited(c), [null, 'SIGKILL']);
});

test('an exec failure is an error event with the errno code, and spawnWithOutput turns it into ERROR_FILE_NOT_FOUND', { skip: !available && 'no posix_spawn' }, async () => {
  const c = vforkSpawn('/nonexistent/program', ['x'], { stdio: ['ignore', 'pipe', 'pipe'] })!;
  const err = await new Promise<NodeJS.ErrnoException>((r) => c.once('error', r));
  assert.equal(err.code, 'ENOENT');
  assert.equal(c.pid, 0, 'no process, so no group a caller could signal');
  const dir = mkdtempSync(join(tmpdir(), 'vfork-'));
  try {
    writeFileSync(join(dir, 'data'), 'not a program', { mode: 0o644 });
    const noexec = vforkSpawn(join(dir, 'data'), [], { stdio: ['ignore', 'ignore', 'ignore'] })!;
    assert.equal((await new Promise<NodeJS.ErrnoException>((r) => noexec.once('error', r))).code, 'EACCES');
    await assert.rejects(spawnWithOutput('HcsCreateProcess', dir, {
      file: '/nonexistent/program', args: [], cwd: '/', env: {}, streams: { stdin: false, stdout: true, stderr: true }, errTarget: 'pipe', console: false,
    }, 'program'), (e: unknown) => e instanceof PlatformError && e.hresult === HRESULT.ERROR_FILE_NOT_FOUND && /program/.test(e.message));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('children that exit at once (before their pid is known to the service) are all reported, none twice', { skip: !available && 'no posix_spawn' }, async () => {
  const kids = Array.from({ length: 20 }, (_, i) => vforkSpawn('/bin/sh', ['-c', `exit ${i}`], { stdio: ['ignore', 'ignore', 'ignore'] })!);
  const seen = kids.map(() => 0);
  kids.forEach((k, i) => k.on('spawn', () => k.on('exit', () => { seen[i]!++; })));
  const codes = await Promise.all(kids.map((k) => new Promise<number | null>((r) => k.once('spawn', () => k.once('exit', (c) => r(c))))));
  assert.deepEqual(codes, kids.map((_, i) => i));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(seen, kids.map(() => 1));
});

test('vforkRun: output, input and exit status of a short command', { skip: !available && 'no posix_spawn' }, async () => {
  assert.deepEqual(await vforkRun('sh', ['-c', 'cat; echo e >&2; exit 3'], 'hello'), { code: 3, stdout: 'hello', stderr: 'e\n' });
  assert.equal((await vforkRun('/nonexistent/ip', []))!.code, 127);
});

test('a spawn koffi cannot queue returns null (the caller uses Node\'s spawn) and keeps no descriptor', { skip: !available && 'no posix_spawn' }, async () => {
  const lc = vforkLibc()!;
  const real = lc.spawn;
  lc.spawn = Object.assign((...a: unknown[]) => real(...a), { async: () => { throw new Error('Too many asynchronous calls are running'); } });
  try {
    const before = readdirSync('/proc/self/fd').length;
    const file = openSync('/dev/null', 'w');
    const c = vforkSpawn('/bin/true', [], { stdio: ['pipe', 'pipe', file, 'pipe'] });
    closeSync(file);
    assert.equal(c, null);
    assert.equal(readdirSync('/proc/self/fd').length, before, 'the pipes and duplicated descriptors are closed');
  } finally { lc.spawn = real; }
  // The launcher still works afterwards.
  const [code] = await exited(vforkSpawn('/bin/sh', ['-c', 'exit 3'], { stdio: ['ignore', 'ignore', 'ignore'] })!);
  assert.equal(code, 3);
});

test('a reaped child is not signalled again (its pid may be another process by now)', { skip: !available && 'no posix_spawn' }, async () => {
  const c = vforkSpawn('/bin/true', [], { stdio: ['ignore', 'ignore', 'ignore'] })!;
  await exited(c);
  assert.equal(c.kill('SIGKILL'), false);
});

/**
 * A console's relay (the pty helper's, console-helper.ts) that first runs after the service spooled all of the
 * console's stdin and its end: on a busy host the client can write and close stdin (CloseHandle StdIn) before the
 * forked relay is scheduled at all. Its first look at the spool drains the doorbell and finds the end; nothing rings
 * again, so that first look must type the terminal's EOF itself (it did not: `cat` waited for input for good, and
 * the compute test's console step hung). The spool is laid out here as stdin-spool.ts leaves it, before the helper
 * starts, so the order is forced, not hoped for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ptyHelper, ptySpoolArgs } from '../../../../src/platform/emulator/service/console.js';
import { openFifoReader } from '../../../../src/platform/emulator/service/stdio-fifo.js';
import { segPath } from '../../../../src/platform/emulator/service/spill.js';
import { eofPath } from '../../../../src/platform/emulator/service/stdin-spool.js';

/** `p`, or a failure naming `what` once it has not settled within 30 s (it takes milliseconds); `undo` then runs. */
function bounded<T>(what: string, p: Promise<T>, undo: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => { timer = setTimeout(() => { undo(); reject(new Error(`stuck: ${what}`)); }, 30_000); });
  return Promise.race([p, stuck]).finally(() => clearTimeout(timer));
}

/** Runs `sh -c "cat; echo done"` on a console whose stdin `input` and its end are spooled and rung before it starts. */
async function consoleAfterStdinEnded(input: string): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-late-relay-'));
  const stdio = join(dir, 'stdio');
  mkdirSync(stdio);
  const out = join(stdio, 'k.out');
  const inp = join(stdio, 'k.in');
  execFileSync('mkfifo', ['-m', '600', out, inp]);
  if (input) writeFileSync(segPath(inp, 0), input);
  writeFileSync(eofPath(inp), `${Buffer.byteLength(input)}\n`);
  // The service's side: the stdin doorbell held open and rung, the output doorbell read and handed to the helper.
  const bell = openSync(inp, constants.O_RDWR | constants.O_NONBLOCK);
  writeSync(bell, Buffer.of(1));
  const outEnded = new Promise<void>((res) => openFifoReader(out).on('data', () => undefined).once('end', res));
  const outW = openSync(out, constants.O_RDWR);
  const helper = await ptyHelper('test', dir);
  const child = spawn(helper, [...ptySpoolArgs({ stdout: out, stdin: inp }), '0', '0', '', 'sh', '-c', 'cat; echo done'],
    { stdio: ['ignore', outW, outW, 'pipe'], detached: true });
  closeSync(outW);
  const kill = () => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } };
  try {
    const code = await bounded('the program never saw its end of input', new Promise<number | null>((res) => child.once('exit', res)), kill);
    await bounded('the relay never ended the output', outEnded, kill);
    return { code, output: readFileSync(segPath(out, 0), 'utf8') };
  } finally {
    closeSync(bell);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('console: a relay that starts after stdin was written and closed still ends the terminal\'s input', async () => {
  const r = await consoleAfterStdinEnded('x\n');
  assert.equal(r.code, 0);
  // The terminal echoes the input line; cat copies it; then the shell's word.
  assert.equal(r.output, 'x\r\nx\r\ndone\r\n');
});

test('console: a relay that starts after an empty stdin was closed still ends the terminal\'s input', async () => {
  const r = await consoleAfterStdinEnded('');
  assert.equal(r.code, 0);
  assert.equal(r.output, 'done\r\n');
});

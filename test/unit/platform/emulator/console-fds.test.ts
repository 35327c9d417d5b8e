/**
 * The relay of a console process (the pty helper's fork, console-helper.ts) holds only what it relays: its stdio,
 * the control pipe (fd 3), the terminal's master and its spool files. It used to keep a copy of fd 4, the namespace
 * helper's pid pipe (ns-helper.ts), for as long as the terminal lived. Needs isolation (the namespace helper).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setup, containerDoc, noIsolation } from './helpers.js';
import { readStat } from '../../../../src/platform/emulator/service/procfs.js';

const children = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

/** fd number → what it refers to (`socket:[…]`, a path, `/dev/ptmx` …). */
function fds(pid: number): Map<string, string> {
  return new Map(readdirSync(`/proc/${pid}/fd`).map((fd) => [fd, readlinkSync(`/proc/${pid}/fd/${fd}`)]));
}

test('a console\'s relay does not hold the namespace helper\'s pid pipe (fd 4) or any other descriptor it was given', { skip: noIsolation() }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('tty-fds', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'sleep 600', CreateStdOutPipe: true, EmulateConsole: true });
  const helper = (await env.platform.compute.getServiceProperties() as { Isolation?: { Launcher?: { Kind: string } } }).Isolation?.Launcher?.Kind;
  if (helper !== 'helper') { t.skip(`no namespace helper here (launcher: ${helper})`); return; }
  // The program's waiter is the pty helper after its exec (the namespace helper); the relay is the helper's fork.
  const wrapper = readStat(pr.pid)!.ppid;
  const relay = children(wrapper).find((c) => readStat(c)?.comm.startsWith('wincri-pty') === true);
  assert.ok(relay, `the relay is a child of the wrapper ${wrapper}`);
  const held = fds(relay);
  const sockets = [...held].filter(([, what]) => what.startsWith('socket:')).map(([fd]) => fd);
  assert.deepEqual(sockets, ['3'], `its one socket is the control pipe: ${JSON.stringify([...held])}`);
  assert.ok([...held.values()].includes('/dev/ptmx'), 'it holds the terminal\'s master');
  assert.deepEqual([...held].filter(([, what]) => what.startsWith('pipe:')), [], 'no pipe passed down to the helper either');
  await s.terminate();
});

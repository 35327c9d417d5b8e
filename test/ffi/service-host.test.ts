/**
 * `wincri serve --windows-service`: the SCM handshake of src/platform/windows/service-host.ts, unchanged, against
 * test/ffi/fakesvc.c (the dispatcher blocks its caller, ServiceMain comes from another thread, controls arrive on
 * the dispatcher's thread).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFakeSource } from './fakelib.js';
import { loadLibraries, winapi, type KFunc } from '../../src/platform/windows/ffi/index.js';
import { runAsWindowsService } from '../../src/platform/windows/service-host.js';
import { waitFor } from '../helpers/wait-for.js';

const so = buildFakeSource('fakesvc.c');
const lib = loadLibraries({ computecore: so, computenetwork: so, computestorage: so, vmcompute: so, kernel32: so, advapi32: so, ole32: so, ucrt: so, bindfltapi: so, netapi32: so, userenv: so }).advapi32;
const ctl: Record<string, KFunc> = {
  control: winapi(lib, 'FakeSvcControl', 'int', ['uint32']),
  log: winapi(lib, 'FakeSvcStatusLog', 'const char *', []),
  reply: winapi(lib, 'FakeSvcLastReply', 'const char *', []),
  threads: winapi(lib, 'FakeSvcThreads', 'int', []),
  reset: winapi(lib, 'FakeSvcReset', 'void', []),
};
const statusLog = (): string[] => (ctl.log!() as string).split(',').filter(Boolean);
const states = (): number[] => statusLog().map((e) => Number(e.split('/')[0]));

const until = (what: string, cond: () => boolean) => waitFor(what, cond, { timeoutMs: 60_000, intervalMs: 10, detail: () => `status log ${ctl.log!()}` });

async function control(code: number): Promise<string> {
  assert.equal(ctl.control!(code), 1);
  await until(`the reply to control ${code}`, () => (ctl.reply!() as string) !== '');
  return ctl.reply!() as string;
}

test('SCM handshake: START_PENDING, RUNNING accepting stop+shutdown, stop → STOP_PENDING → graceful close → STOPPED', async () => {
  ctl.reset!();
  const events: string[] = [];
  const run = runAsWindowsService({ name: 'wincri', library: so }, {
    start: async () => { events.push('start'); },
    stop: async () => { events.push('stop'); },
    onError: (phase, e) => events.push(`error:${phase}:${(e as Error).message}`),
  });
  await until('RUNNING', () => states().includes(4));
  assert.equal(await control(4), '4:0', 'INTERROGATE succeeds');
  assert.equal(await control(128), '128:120', 'a user-defined control is ERROR_CALL_NOT_IMPLEMENTED');
  assert.deepEqual(events, ['start']);
  assert.equal(ctl.control!(1), 1);
  assert.equal(await run, 0, 'the dispatcher returned after STOPPED');
  assert.deepEqual(events, ['start', 'stop']);
  // state/accepted/win32Exit/specificExit/checkPoint
  assert.deepEqual(statusLog(), ['2/0/0/0/1', '4/5/0/0/0', '3/0/0/0/2', '1/0/0/0/0']);
  assert.equal(ctl.threads!(), 3, 'ServiceMain ran on its own thread, handlers on the dispatcher thread');
});

test('a daemon that fails to start reports STOPPED with a service-specific exit code', async () => {
  ctl.reset!();
  const errors: string[] = [];
  const code = await runAsWindowsService({ name: 'wincri', library: so }, {
    start: async () => { throw new Error('endpoint in use'); },
    stop: async () => { errors.push('stop must not run'); },
    onError: (phase, e) => errors.push(`${phase}: ${(e as Error).message}`),
  });
  assert.equal(code, 1);
  assert.deepEqual(errors, ['start: endpoint in use']);
  assert.deepEqual(statusLog(), ['2/0/0/0/1', '1/0/1066/1/0']);
});

test('SHUTDOWN stops like STOP; a second stop control while stopping changes nothing', async () => {
  ctl.reset!();
  let release!: () => void;
  const closing = new Promise<void>((r) => { release = r; });
  let stops = 0;
  const run = runAsWindowsService({ name: 'wincri', library: so }, {
    start: async () => undefined,
    stop: async () => { stops++; await closing; },
  });
  await until('RUNNING', () => states().includes(4));
  assert.equal(await control(5), '5:0');
  await until('STOP_PENDING', () => states().includes(3));
  assert.equal(await control(1), '1:0');
  release();
  assert.equal(await run, 0);
  assert.equal(stops, 1);
  assert.deepEqual(states(), [2, 4, 3, 1]);
});

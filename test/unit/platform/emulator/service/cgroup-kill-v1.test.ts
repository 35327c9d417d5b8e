/**
 * The v1 stop-time kill (cgroup-kill-v1.ts): a pid is signalled only through a pidfd opened before a second
 * listing that still shows it, so a member that exited and whose pid a stranger took is never hit; without pidfds
 * each pid is looked up again right before its kill. The logic with fakes (a scripted listing, fake pidfds), then
 * killCgroup on a directory shaped like a v1 memory cgroup with a real member and the host's real pidfds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killV1Members, CHECK_BATCH } from '../../../../../src/platform/emulator/service/cgroup-kill-v1.js';
import { killCgroup } from '../../../../../src/platform/emulator/service/cgroup-kill.js';
import { constants } from 'node:os';
import { pidfdOps, pidfdProbe, type PidfdCalls, type PidfdOps } from '../../../../../src/platform/emulator/service/pidfd.js';

const { EMFILE, ENOSYS, ESRCH } = constants.errno;

/** Listings in turn (the last one repeats), and who each pid is (its "process") at each listing. */
function world(listings: number[][], openErrno: Record<number, number> = {}) {
  let n = 0;
  const killedFds: number[] = [];
  const killedPids: number[] = [];
  const opened: number[] = [];
  const closed: number[] = [];
  const ops: PidfdOps = {
    open: (pid) => { opened.push(pid); return openErrno[pid] ? { errno: openErrno[pid] } : { fd: 1000 + pid }; },
    kill: (fd) => { killedFds.push(fd); return true; },
    close: (fd) => { closed.push(fd); },
  };
  const members = () => new Set(listings[Math.min(n++, listings.length - 1)]);
  return { ops, members, killedFds, killedPids, opened, closed, killPid: (pid: number) => { killedPids.push(pid); } };
}

test('v1 kill with pidfds: a pid gone from the listing after its pidfd was opened is not signalled', () => {
  // 11 and 12 listed; 12 exits (its pid may be reused by a stranger) before the second listing; then all gone.
  const w = world([[11, 12], [11], []]);
  assert.equal(killV1Members({ members: w.members, pidfd: w.ops, killPid: w.killPid }), 1);
  assert.deepEqual(w.opened, [11, 12]);
  assert.deepEqual(w.killedFds, [1011], 'only the member still listed, through its pidfd');
  assert.deepEqual(w.closed.sort(), [1011, 1012], 'every pidfd closed');
  assert.deepEqual(w.killedPids, [], 'nothing by pid');
});

test('v1 kill with pidfds: members forked meanwhile are caught by a later pass', () => {
  const w = world([[11], [11], [21], [21], []]);
  assert.equal(killV1Members({ members: w.members, pidfd: w.ops, killPid: w.killPid }), 2);
  assert.deepEqual(w.killedFds, [1011, 1021]);
});

test('v1 kill with pidfds: a member whose pidfd could not be opened (out of descriptors) is killed by pid if still listed', () => {
  // 12's open fails with EMFILE (it is alive), 13's with ESRCH (gone); 14 fails with EMFILE but leaves before the look.
  const w = world([[11, 12, 13, 14], [11, 12], [11, 12], []], { 12: EMFILE, 13: ESRCH, 14: EMFILE });
  assert.equal(killV1Members({ members: w.members, pidfd: w.ops, killPid: w.killPid }), 2);
  assert.deepEqual(w.killedFds, [1011]);
  assert.deepEqual(w.killedPids, [12], 'not 13 (no such process) nor 14 (no longer a member)');
});

test('pidfd probe: a passing failure (EMFILE) is probed again, a lasting one (ENOSYS) is kept', () => {
  const calls = (errnos: number[]): PidfdCalls => {
    let last = 0;
    return {
      open: () => { last = errnos.shift() ?? 0; return last ? -1 : 77; },
      send: () => 0, close: () => 0, errno: () => last,
    };
  };
  const emfile = calls([EMFILE]);
  const passing = pidfdProbe(() => emfile);
  assert.equal(passing(), null, 'no pidfds while out of descriptors');
  assert.ok(passing(), 'pidfds once descriptors are back');
  const enosys = calls([ENOSYS]);
  const lasting = pidfdProbe(() => enosys);
  assert.equal(lasting(), null);
  assert.equal(lasting(), null, 'no kernel support: not probed again');
  const fine = calls([]);
  const working = pidfdProbe(() => fine);
  assert.deepEqual(working()!.open(5), { fd: 77 });
});

test('v1 kill without pidfds: the pids are looked up again, a batch per listing read, right before their kills', () => {
  // Listed together; 12 has left when its batch is looked up again.
  const w = world([[11, 12], [11], []]);
  assert.equal(killV1Members({ members: w.members, pidfd: null, killPid: w.killPid }), 1);
  assert.deepEqual(w.killedPids, [11]);
});

test('v1 kill without pidfds: a large cgroup is read once per batch, not once per pid', () => {
  const pids = Array.from({ length: 10 * CHECK_BATCH }, (_, i) => 100 + i);
  let reads = 0;
  const killed: number[] = [];
  // All still listed at the pass's read and at each batch's; gone by the next pass.
  const members = () => (++reads <= 11 ? new Set(pids) : new Set<number>());
  assert.equal(killV1Members({ members, pidfd: null, killPid: (pid) => { killed.push(pid); } }), pids.length);
  assert.deepEqual(killed, pids);
  assert.equal(reads, 1 + 10 + 1, 'the pass listing, one read per batch, the next pass finding none');
});

test('cgroup kill: v1 kills a member through a pidfd', { skip: pidfdOps() ? false : 'no pidfds here' }, async (t) => {
  const mem = mkdtempSync(join(tmpdir(), 'wincri-cgkill-v1-'));
  const cpu = mkdtempSync(join(tmpdir(), 'wincri-cgkill-v1-'));
  t.after(() => { rmSync(mem, { recursive: true, force: true }); rmSync(cpu, { recursive: true, force: true }); });
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<string | null>((res) => child.once('exit', (_c, sig) => res(sig)));
  writeFileSync(join(mem, 'cgroup.procs'), `${child.pid}\n`);
  // The host's pidfds, watched; the kill by pid only recorded: the member can die through its pidfd alone.
  const real = pidfdOps()!;
  let throughPidfd = 0;
  const byPid: number[] = [];
  const pidfd: PidfdOps = { ...real, kill: (fd) => { throughPidfd++; return real.kill(fd); } };
  assert.equal(killCgroup({ version: 1, dirs: [mem, cpu] }, { pidfd, killPid: (pid) => { byPid.push(pid); } }), 'pids');
  assert.equal(await exited, 'SIGKILL');
  assert.ok(throughPidfd >= 1, 'signalled through its pidfd');
  assert.deepEqual(byPid, [], 'never by pid');
});

/**
 * The chaos and soak audits' stray processes (bench/chaos/strays.ts): holders without a recorded pod or container,
 * helpers whose holder is not owned, and CNI plugins, keeper children and other children of the runtime whose
 * parent is gone count; owned holders and their helpers, children of live runtime processes, container processes
 * and processes of other runs do not. Also reads this very process correctly from /proc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { classifyStrays, markRun, processTable, RUN_MARK, type ProcInfo, type StrayContext } from '../../../bench/chaos/strays.js';

const ROOT = '/tmp/wincri-bench-x/root';
const NS = `${ROOT}/emulator/bin/wincri-ns-0123456789ab`;
const MARK = 'run-1';
const env = (e: Record<string, string> = {}) => new Map(Object.entries(e));
const p = (pid: number, ppid: number, argv: string[], e: Record<string, string> = {}, pgrp = pid): ProcInfo => ({ pid, ppid, pgrp, argv, env: env(e) });
const holder = (pid: number, ppid: number, id: string) => p(pid, ppid, [NS, 'holder', '-r', `${ROOT}/containers/${id}/Files`, '-m', `${ROOT}/emulator/holder-tables/t.mounts`]);
const ctx: StrayContext = { root: ROOT, mark: MARK, live: new Set([10, 11, 12]), keepers: new Set([11, 99]), owners: new Set(['aaa', 'pod1']) };

test('strays: each kind is found, with why; owned and foreign processes are not', () => {
  const table: ProcInfo[] = [
    // Owned: the holder of recorded container aaa (its waiting parent too) and a helper entering it.
    holder(100, 12, 'aaa'), holder(101, 100, 'aaa'),
    p(102, 12, [NS, 'enter', '-t', '101', '-w', '/', '-s', `${ROOT}/emulator/exits/x`, '--', 'sh']),
    // Not owned: a holder of container bbb (no record), and a helper whose holder is that one / is gone.
    holder(200, 1, 'bbb'), holder(201, 200, 'bbb'),
    p(202, 1, [NS, 'enter', '-t', '201', '-w', '/', '--', 'sh']),
    p(203, 1, [NS, 'enter', '-t', '999999', '-w', '/', '--', 'sh']),
    // Marked children: in flight under the live daemon (10), orphaned CNI plugin, keeper child, other child.
    p(300, 10, ['/opt/cni/bin/nat'], { [RUN_MARK]: MARK, CNI_COMMAND: 'ADD' }, 10),
    p(301, 1, ['/opt/cni/bin/nat'], { [RUN_MARK]: MARK, CNI_COMMAND: 'DEL' }, 10),
    p(302, 1, ['node', 'x'], { [RUN_MARK]: MARK }, 99),
    p(303, 1, ['ip', 'monitor'], { [RUN_MARK]: MARK }, 12),
    // Not ours: another run's plugin, a container's process (its own environment), the live processes themselves.
    p(400, 1, ['/opt/cni/bin/nat'], { [RUN_MARK]: 'run-2', CNI_COMMAND: 'ADD' }),
    p(401, 101, ['sleep', 'infinity'], { PATH: '/bin' }),
    p(10, 1, ['node', 'wincri', 'serve'], { [RUN_MARK]: MARK }), p(11, 1, ['node', 'keeper'], { [RUN_MARK]: MARK }),
    p(12, 1, ['node', 'service/main.js'], { [RUN_MARK]: MARK }),
    // A helper of another root.
    p(500, 1, ['/tmp/other/emulator/bin/wincri-ns-0123456789ab', 'holder', '-r', '/tmp/other/containers/zzz/Files']),
  ];
  const found = classifyStrays(table, ctx);
  assert.deepEqual(found.map((s) => [s.pid, s.kind]), [
    [200, 'holder'], [201, 'holder'], [202, 'ns-helper'], [203, 'ns-helper'],
    [301, 'cni-plugin'], [302, 'keeper-child'], [303, 'runtime-child'],
  ]);
  assert.match(found[0]!.why, /namespace holder without a recorded pod or container: .*containers\/bbb\/Files/);
  assert.match(found.find((s) => s.pid === 301)!.why, /CNI plugin \(DEL\) whose caller is gone/);
  // Once every pod is removed, the holder that was owned is a leak too.
  const after = classifyStrays(table, { ...ctx, owners: new Set() });
  assert.ok([100, 101, 102].every((pid) => after.some((s) => s.pid === pid)), 'unowned once the records are gone');
});

test('strays: no false positives from chain holders after a service kill, stopped systems\' spool copies, IPAM children', () => {
  const chain = (id: string) => `set -e\nmount --all --fstab '/x/t.mounts' || exit 1\nexec chroot '${ROOT}/containers/${id}/Files' /bin/sh -c 'trap "" TERM INT HUP; while :; do /dev/wincri-holder infinity & wait; done'`;
  const m = { [RUN_MARK]: MARK };
  const table: ProcInfo[] = [
    // The util-linux chain of recorded container aaa, re-parented to init once its service was killed: unshare,
    // its PID 1 shell, that shell's sleep. The same of unrecorded container bbb is a leak (holder).
    p(600, 1, ['unshare', '--pid', '--fork', '--mount', '--uts', '--propagation', 'slave', 'sh', '-c', chain('aaa')], m),
    p(601, 600, ['/bin/sh', '-c', 'trap "" TERM INT HUP; while :; do /dev/wincri-holder infinity & wait; done'], m),
    p(602, 601, ['/dev/wincri-holder', 'infinity'], m),
    p(610, 1, ['nsenter', '--net=/run/netns/n', '--', 'unshare', '--pid', '--fork', '--mount', '--uts', '--propagation', 'slave', 'sh', '-c', chain('bbb')], m),
    p(611, 610, ['/bin/sh', '-c', 'trap "" TERM INT HUP; while :; do /dev/wincri-holder infinity & wait; done'], m),
    // The spool copy of stopped (still recorded) container aaa: its holder is gone, its cgroup names aaa. Of bbb: a leak.
    p(620, 1, [NS, 'enter', '-t', '777777', '-w', '/', '-s', `${ROOT}/emulator/exits/y`, '-c', '/sys/fs/cgroup/wincri/aaa/cgroup.procs', '-o', '/x/o', '--', 'sh', '-c', '/sys/fs/cgroup/wincri/aaa']),
    p(621, 1, [NS, 'enter', '-t', '777777', '-w', '/', '-c', '/sys/fs/cgroup/wincri/bbb/cgroup.procs', '--', 'sh', '-c', 'aaa']),
    // An in-flight ADD under the live daemon (10): the nat plugin and its IPAM child. An orphaned one's child counts.
    p(630, 10, ['/opt/cni/bin/nat'], { ...m, CNI_COMMAND: 'ADD' }, 10),
    p(631, 630, ['/opt/cni/bin/host-local'], { ...m, CNI_COMMAND: 'ADD' }, 10),
    p(640, 1, ['/opt/cni/bin/nat'], { ...m, CNI_COMMAND: 'ADD' }, 10),
    p(641, 640, ['/opt/cni/bin/host-local'], { ...m, CNI_COMMAND: 'ADD' }, 10),
  ];
  const found = classifyStrays(table, ctx);
  assert.deepEqual(found.map((s) => [s.pid, s.kind]), [[610, 'holder'], [611, 'holder'], [621, 'ns-helper'], [640, 'cni-plugin'], [641, 'cni-plugin']]);
  assert.match(found[0]!.why, /util-linux chain/);
  // Once container aaa's record is gone, its chain and its spool copy are leaks too.
  const after = classifyStrays(table, { ...ctx, owners: new Set() }).map((s) => s.pid);
  assert.ok([600, 601, 602, 620].every((pid) => after.includes(pid)), 'unowned once the records are gone');
});

test('strays: the process table reads pids, parents, groups, argv and the run mark of real processes', async (t) => {
  const mark = markRun();
  assert.equal(markRun(), mark, 'one mark per run');
  const child = spawn('sleep', ['30'], { env: { ...process.env, CNI_COMMAND: 'VERSION' } });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  const me = processTable().find((x) => x.pid === child.pid);
  assert.ok(me, 'the child is in the table');
  assert.equal(me.ppid, process.pid);
  assert.deepEqual(me.argv, ['sleep', '30']);
  assert.equal(me.env.get(RUN_MARK), mark);
  // Its parent (this test) is not live in this context: it is found as an orphaned CNI plugin of the run.
  const strays = classifyStrays([me], { root: '/nowhere', mark, live: new Set(), keepers: new Set(), owners: new Set() });
  assert.deepEqual(strays.map((s) => s.kind), ['cni-plugin']);
});

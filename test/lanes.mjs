// The lanes of test/run.mjs. Files that run the emulator service or the daemon make host objects as root (network
// namespaces, veths, bridges and nft tables named wincri-*, cgroups per compute system id) and some audit every such
// object they can see (leak checks, doctor --leaks). As root with unshare(1), each such file runs in a network + mount
// namespace of its own — a private /run/netns, loopback up, its own sysfs, its own subtree of each memory/cpu/freezer
// cgroup hierarchy — so it sees only its own objects, and several files run at a time. Otherwise (not root, no unshare)
// they run one at a time in the host's namespaces, and run.mjs says so. As root, each file's processes (and the other
// lane's) start in a cgroup leaf of its own subtree, so what it leaves behind is found, named and killed when it
// ends (test/lane-cgroups.mjs); each file has a TMPDIR of its own, removed after it (test/lane-tmp.mjs). Its output
// is collected and printed in one piece when it ends (test/lane-collect.mjs).
import { spawnSync } from 'node:child_process';
import { rmdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCollected } from './lane-collect.mjs';
import { cgroupMounts, enterLeaves, killSubtreesNow, makeSubtrees, q, reapSubtrees } from './lane-cgroups.mjs';

/** Why files cannot run in namespaces of their own, or undefined when they can. */
export function isolationUnavailable() {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('unshare', ['-m', '-n', '--propagation', 'private', 'true'], { stdio: 'ignore' });
  return r.status === 0 ? undefined : `unshare -m -n failed (${r.error?.message ?? `exit ${r.status}`})`;
}

/**
 * What runs a file in cgroups (and, with `namespaces`, namespaces) of its own. `wrap(name, argv)` gives the command:
 * a shell that moves itself into the leaf of the file's subtree of each cgroup hierarchy (test/lane-cgroups.mjs)
 * and execs argv; with `namespaces`, under unshare, after mounting a tmpfs on /run/netns, bringing lo up, mounting
 * a sysfs of the namespace and binding <hierarchy>/<name> over each hierarchy. A hierarchy where <name> cannot be
 * made (read-only or undelegated mount) is left out for that file, said once. `cleanup(name, { settleMs })` kills
 * and names what is left in the file's subtrees, removes them, and resolves { left: the processes killed, busy:
 * cgroups that could not be removed even then }; it runs once per file (later calls get the same answer), whoever
 * starts it first: the file's end, the grace timer of runCollected or an interrupt. `killNow()` SIGKILLs what is
 * in every file's subtrees at once, synchronously (a second signal: the runner exits right after). `tracking`: false
 * when there is no cgroup hierarchy to make subtrees in (then nothing a file leaves is found). `asideDir`: where the
 * directories that keep the cgroup mounts aside while sysfs is remounted are made (the runner's temp root).
 */
export function isolation({ namespaces = true, asideDir = tmpdir() } = {}) {
  const hierarchies = cgroupMounts();
  const made = new Map(); // name -> the cgroup subtrees made for it
  const cleanups = new Map(); // name -> its cleanup's promise
  const warned = new Set();
  const warn = (dir, e) => {
    if (!warned.has(dir)) console.log(`test lanes: cannot make cgroups under ${dir} (${e.code ?? e.message}): ${namespaces ? `host files see the host's ${dir}` : 'what files leave there is not tracked'}`);
    warned.add(dir);
  };
  return {
    tracking: hierarchies.length > 0,
    killNow() { killSubtreesNow([...made.values()].flat()); },
    wrap(name, argv) {
      const subtrees = makeSubtrees(hierarchies, name, warn);
      made.set(name, subtrees);
      const enter = enterLeaves(subtrees);
      if (!namespaces) return ['sh', ['-c', `${enter}exec "$@"`, 'sh', ...argv]];
      const binds = subtrees.map((d) => `mount --bind ${q(d)} ${q(dirname(d))} && `).join('');
      // A sysfs of the new network namespace, as `ip netns exec` mounts one (/sys/class/net shows the interfaces of
      // the namespace that mounted sysfs). Nothing in src/ or test/ reads /sys/class/net any more (the emulator reads
      // endpoint counters from /proc/thread-self/net/dev); it is kept so that a tool a file runs that does read it
      // sees the file's interfaces, not the host's. The cgroup mounts under /sys/fs/cgroup are moved across (kept
      // aside meanwhile in a directory under the runner's temp root: removed with it even if the runner is killed).
      const aside = join(asideDir, name);
      mkdirSync(aside, { recursive: true });
      const sysfs = `if mountpoint -q /sys/fs/cgroup; then mount --rbind /sys/fs/cgroup ${q(aside)} && umount -l /sys && mount -t sysfs ${q(name)} /sys `
        + `&& mount --rbind ${q(aside)} /sys/fs/cgroup && umount -l ${q(aside)}; else umount -l /sys && mount -t sysfs ${q(name)} /sys; fi && `;
      const script = `${enter}mkdir -p /run/netns && mount -t tmpfs -o mode=0755 ${q(name)} /run/netns && ip link set lo up && ${sysfs}${binds}exec "$@"`;
      return ['unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv]];
    },
    cleanup(name, { settleMs = 1000 } = {}) {
      if (!cleanups.has(name)) {
        cleanups.set(name, (async () => {
          if (namespaces) try { rmdirSync(join(asideDir, name)); } catch { /* gone, or never made */ }
          const r = await reapSubtrees(made.get(name) ?? [], { settleMs });
          made.delete(name);
          return r;
        })());
      }
      return cleanups.get(name);
    },
  };
}

/**
 * After a file (or the other lane) ended: kills and names what it left in its cgroups (`iso.cleanup`), removes
 * them and its temp dir `dir` (from `tmp`); says what it found (a file that ran out of time, `timedOut`: what was
 * killed with it). Resolves false when its cgroups stayed busy.
 */
export async function afterFile(label, name, { iso, tmp, dir, interrupted = () => false, timedOut = false, settleMs }) {
  let ok = true;
  try {
    const { left, busy } = iso ? await iso.cleanup(name, { settleMs }) : { left: [], busy: [] };
    if (left.length > 0) {
      console.log(interrupted() ? `test lanes: ${label}: interrupted; killed what it left: ${left.join(', ')}`
        : timedOut ? `test lanes: TIMEOUT: ${label}: killed ${left.join(', ')}`
          : `test lanes: LEAK: ${label} left processes behind; killed ${left.join(', ')}`);
    }
    if (busy.length > 0) { console.log(`test lanes: ${label}: cgroups still busy after killing, not removed: ${busy.join(', ')}`); ok = false; }
  } catch (e) {
    console.log(`test lanes: ${label}: cleanup failed: ${e.message}`);
    ok = false;
  }
  const kept = dir ? tmp.remove(dir) : undefined;
  if (kept) console.log(`test lanes: ${label}: temp dir ${kept}`);
  return ok;
}

/** How long each file's afterFile took (label, ms): what the runner adds after a file (WINCRI_TEST_TIMES). */
export const cleanupTimes = [];

/**
 * Runs one file's command `argv` with its output collected (runCollected, within the per-file limit of
 * test/lane-limit.mjs, or `limitMs`; `graceMs`: how long its output may stay open after it exited), a TMPDIR of its
 * own (`tmp.make(id)`), in the cgroups and namespaces of `iso` (`wincri-test-<runner pid>-<id>`) when given; then
 * afterFile. Resolves its exit code, 1 also when it could not run, ran out of time (then `timedOut` hears its label)
 * or its cgroups stayed busy.
 */
export async function runFile(label, id, argv, { cwd, iso, tmp, interrupted = () => false, timedOut: onTimeout = () => undefined, limitMs, graceMs }) {
  const name = `wincri-test-${process.pid}-${id}`;
  let code = 1;
  let timedOut = false;
  let dir;
  try {
    dir = tmp?.make(String(id));
    const env = dir ? { ...process.env, TMPDIR: dir } : process.env;
    const [cmd, args] = iso ? iso.wrap(name, argv) : [argv[0], argv.slice(1)];
    const reap = async () => { await iso?.cleanup(name, { settleMs: 0 }); };
    ({ code, timedOut } = await runCollected(cmd, args, { cwd, env }, { label, reap, limitMs, graceMs }));
  } catch (e) {
    console.log(`test lanes: ${label} could not run: ${e.message}`);
  }
  if (timedOut) onTimeout(label);
  const t = Date.now();
  const ok = await afterFile(label, name, { iso, tmp, dir, interrupted, timedOut });
  cleanupTimes.push({ label, ms: Date.now() - t });
  return ok ? code : 1;
}

/**
 * Runs `jobs` (functions returning exit codes) with at most `workers` at a time, in order, until `stopped()`;
 * resolves the codes of those that ran.
 */
export async function pool(jobs, workers, stopped = () => false) {
  const queue = [...jobs];
  const codes = [];
  await Promise.all(Array.from({ length: Math.max(1, workers) }, async (_, w) => {
    for (let job = queue.shift(); job && !stopped(); job = queue.shift()) codes.push(await job(w));
  }));
  return codes;
}

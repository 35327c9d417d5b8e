// The host lane of test/run.mjs. Files that run the emulator service or the daemon make host objects as root
// (network namespaces, veths, bridges and nft tables named wincri-*, cgroups per compute system id) and some audit
// every such object they can see (leak checks, doctor --leaks). As root with unshare(1), each such file runs in a
// network + mount namespace of its own — a private /run/netns, loopback up, its own sysfs, its own subtree of each memory/cpu
// cgroup hierarchy — so it sees only its own objects, and several files run at a time. Otherwise (not root, no
// unshare) they run one at a time in the host's namespaces, and run.mjs says so.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Why files cannot run in namespaces of their own, or undefined when they can. */
export function isolationUnavailable() {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('unshare', ['-m', '-n', '--propagation', 'private', 'true'], { stdio: 'ignore' });
  return r.status === 0 ? undefined : `unshare -m -n failed (${r.error?.message ?? `exit ${r.status}`})`;
}

/** Mount points of the cgroup hierarchies the emulator may use: cgroup2, and v1 with memory or cpu. */
function cgroupMounts() {
  let text = '';
  try { text = readFileSync('/proc/self/mounts', 'utf8'); } catch { return []; }
  return text.split('\n').map((l) => l.split(' ')).filter((f) => f.length > 3)
    .filter(([, , type, opts]) => type === 'cgroup2' || (type === 'cgroup' && opts.split(',').some((o) => o === 'memory' || o === 'cpu')))
    .map(([, dir, type]) => ({ dir, v2: type === 'cgroup2' })).filter(({ dir }) => !/\\0/.test(dir)); // no escaped blanks
}

const q = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Removes a cgroup directory and those below it (only empty ones can go); false when one is still busy. */
function removeCgroupTree(dir) {
  let ok = true;
  let entries = [];
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch (e) { return e.code === 'ENOENT'; }
  for (const e of entries) if (e.isDirectory()) ok = removeCgroupTree(join(dir, e.name)) && ok;
  try { rmdirSync(dir); } catch (e) { return e.code === 'ENOENT'; }
  return ok;
}

/** Pids in a cgroup and those below it. */
function pidsIn(dir) {
  let pids = [];
  try { pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; }
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) pids.push(...pidsIn(join(dir, e.name)));
  return pids;
}

/**
 * Kills what is left in a cgroup tree (v2: cgroup.kill; v1, or a kernel without it: SIGKILL each pid) and removes
 * the tree, retrying for up to 5 s while processes exit; resolves { left: the pids found, removed }.
 */
async function removeCgroup(dir) {
  const left = pidsIn(dir);
  for (const start = Date.now(); ; await sleep(100)) {
    const pids = pidsIn(dir);
    if (pids.length > 0) {
      try { writeFileSync(join(dir, 'cgroup.kill'), '1'); } catch {
        for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    } else if (removeCgroupTree(dir)) return { left, removed: true };
    if (Date.now() - start > 5000) return { left, removed: false };
  }
}

/**
 * What runs a file in namespaces of its own: `wrap(name, argv)` gives the command (unshare, then a shell that mounts
 * a tmpfs on /run/netns, brings lo up, binds <hierarchy>/<name> over each cgroup hierarchy and execs argv); a
 * hierarchy where <name> cannot be made (read-only or undelegated mount) is left unbound for that file, said once.
 * `cleanup(name)` kills what is left in the file's cgroups, removes them, and resolves
 * { killed: cgroups that still held processes, busy: cgroups that could not be removed even then }.
 */
export function isolation() {
  const hierarchies = cgroupMounts();
  const made = new Map(); // name -> the cgroup dirs made for it
  const warned = new Set();
  return {
    wrap(name, argv) {
      const dirs = [];
      for (const { dir, v2 } of hierarchies) {
        try {
          // v2: the controllers the emulator enables below its parent must be enabled for the file's subtree first.
          if (v2) try { writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +cpu'); } catch { /* not delegatable */ }
          mkdirSync(join(dir, name), { recursive: true });
          dirs.push(join(dir, name));
        } catch (e) {
          if (!warned.has(dir)) console.log(`test lanes: cannot make cgroups under ${dir} (${e.code ?? e.message}): host files see the host's ${dir}`);
          warned.add(dir);
        }
      }
      made.set(name, dirs);
      const binds = dirs.map((d) => `mount --bind ${q(d)} ${q(dirname(d))} && `).join('');
      // A sysfs of the new network namespace (as `ip netns exec` mounts one): /sys/class/net shows the interfaces of
      // the namespace that mounted it, and the emulator reads endpoint counters there. The cgroup mounts under
      // /sys/fs/cgroup are moved across (kept aside in a directory of ours meanwhile).
      const aside = join(tmpdir(), name);
      mkdirSync(aside, { recursive: true });
      const sysfs = `if mountpoint -q /sys/fs/cgroup; then mount --rbind /sys/fs/cgroup ${q(aside)} && umount -l /sys && mount -t sysfs ${q(name)} /sys `
        + `&& mount --rbind ${q(aside)} /sys/fs/cgroup && umount -l ${q(aside)}; else umount -l /sys && mount -t sysfs ${q(name)} /sys; fi && `;
      const script = `mkdir -p /run/netns && mount -t tmpfs -o mode=0755 ${q(name)} /run/netns && ip link set lo up && ${sysfs}${binds}exec "$@"`;
      return ['unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv]];
    },
    async cleanup(name) {
      try { rmdirSync(join(tmpdir(), name)); } catch { /* gone, or never made */ }
      const killed = [];
      const busy = [];
      for (const dir of made.get(name) ?? []) {
        const r = await removeCgroup(dir);
        if (r.left.length > 0) killed.push(`${dir} (pids ${r.left.join(' ')})`);
        if (!r.removed) busy.push(dir);
      }
      made.delete(name);
      return { killed, busy };
    },
  };
}

/** The files running now (label, output so far, child): what `interrupt` stops. */
const running = new Set();

/**
 * Runs `argv` in a process group of its own with its output (stdout and stderr) collected, printed in one piece
 * when it exits; resolves its exit code. A process it left behind may hold the pipes open: output is awaited 2 s
 * after the exit, then that process group is killed and the pipes closed.
 */
export function runCollected(cmd, args, opts, label = cmd) {
  return new Promise((resolve) => {
    const chunks = [];
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const run = { label, chunks, child };
    running.add(run);
    let timer;
    const finish = (code) => {
      if (!running.delete(run)) return;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      process.stdout.write(Buffer.concat(chunks));
      resolve(code);
    };
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('error', (e) => { chunks.push(Buffer.from(`${cmd}: ${e.message}\n`)); finish(1); });
    child.on('exit', (code, signal) => {
      const status = code ?? (signal ? 1 : 0);
      child.on('close', () => finish(status));
      timer = setTimeout(() => {
        chunks.push(Buffer.from(`test lanes: ${label}: a process it left holds its output open 2 s after it exited; killing its process group\n`));
        killGroup(child);
        finish(status);
      }, 2000);
    });
  });
}

function killGroup(child) {
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Stops every running file (SIGINT/SIGTERM of the runner): each one's output so far is printed as it ends. */
export function interrupt() {
  for (const { label, chunks, child } of running) {
    chunks.push(Buffer.from(`test lanes: ${label}: interrupted\n`));
    killGroup(child);
  }
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

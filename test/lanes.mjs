// The host lane of test/run.mjs. Files that run the emulator service or the daemon make host objects as root
// (network namespaces, veths, bridges and nft tables named wincri-*, cgroups per compute system id) and some audit
// every such object they can see (leak checks, doctor --leaks). As root with unshare(1), each such file runs in a
// network + mount namespace of its own — a private /run/netns, loopback up, its own sysfs, its own subtree of each memory/cpu
// cgroup hierarchy — so it sees only its own objects, and several files run at a time. Otherwise (not root, no
// unshare) they run one at a time in the host's namespaces, and run.mjs says so.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/**
 * What runs a file in namespaces of its own: `wrap(name, argv)` gives the command (unshare, then a shell that mounts
 * a tmpfs on /run/netns, brings lo up, binds <hierarchy>/<name> over each cgroup hierarchy and execs argv);
 * `cleanup(name)` removes the cgroup subtrees afterwards and returns those left busy (a process outlived its file).
 */
export function isolation() {
  const hierarchies = cgroupMounts();
  return {
    wrap(name, argv) {
      for (const { dir, v2 } of hierarchies) {
        // v2: the controllers the emulator enables below its parent must be enabled for the file's subtree first.
        if (v2) try { writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +cpu'); } catch { /* not delegatable */ }
        mkdirSync(join(dir, name), { recursive: true });
      }
      const binds = hierarchies.map(({ dir }) => `mount --bind ${q(join(dir, name))} ${q(dir)} && `).join('');
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
    cleanup(name) {
      try { rmdirSync(join(tmpdir(), name)); } catch { /* gone */ }
      return hierarchies.map(({ dir }) => join(dir, name)).filter((d) => !removeCgroupTree(d));
    },
  };
}

/** Runs `argv` with its output (stdout and stderr) collected, printed in one piece when it exits; resolves its exit code. */
export function runCollected(cmd, args, opts) {
  return new Promise((resolve) => {
    const chunks = [];
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('error', (e) => chunks.push(Buffer.from(`${cmd}: ${e.message}\n`)));
    child.on('close', (code, signal) => {
      process.stdout.write(Buffer.concat(chunks));
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Runs `jobs` (functions returning exit codes) with at most `workers` at a time, in order; resolves every code. */
export async function pool(jobs, workers) {
  const queue = [...jobs];
  const codes = [];
  await Promise.all(Array.from({ length: Math.max(1, workers) }, async (_, w) => {
    for (let job = queue.shift(); job; job = queue.shift()) codes.push(await job(w));
  }));
  return codes;
}

// Cgroup subtrees of the test runner's files (test/lanes.mjs). A file gets <hierarchy>/<name> in each cgroup2
// hierarchy and each v1 hierarchy with memory, cpu or freezer, and its process tree (the `node --test` process and all it
// spawns: daemon, emulator service, IO keeper) starts in the leaf <name>/runner. A leaf rather than <name> itself:
// on cgroup v2 a cgroup that holds processes cannot enable controllers for its children, and the emulator enables
// memory and cpu in <name> (its view of the hierarchy's root) and makes its own cgroups there, beside the leaf.
// When the file ends, whatever is left anywhere in <name> is killed, named and removed with it.
import { readdirSync, readFileSync, rmdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LEAF = 'runner';

/** Mount points of the cgroup hierarchies the emulator may use: cgroup2, and v1 with memory, cpu or freezer. */
export function cgroupMounts() {
  let text = '';
  try { text = readFileSync('/proc/self/mounts', 'utf8'); } catch { return []; }
  return text.split('\n').map((l) => l.split(' ')).filter((f) => f.length > 3)
    .filter(([, , type, opts]) => type === 'cgroup2' || (type === 'cgroup' && opts.split(',').some((o) => o === 'memory' || o === 'cpu' || o === 'freezer')))
    .map(([, dir, type]) => ({ dir, v2: type === 'cgroup2' })).filter(({ dir }) => !/\\0/.test(dir)) // no escaped blanks
    .filter(({ dir }, i, all) => all.findIndex((m) => m.dir === dir) === i); // a subtree bound over its mount: once
}

export const q = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Makes <dir>/<name>/runner in each hierarchy; resolves the subtrees made (<dir>/<name>). `warn(dir, error)` hears
 * of a hierarchy where they cannot be made (read-only, not delegated): that one is left out.
 */
export function makeSubtrees(hierarchies, name, warn) {
  const made = [];
  for (const { dir, v2 } of hierarchies) {
    const sub = join(dir, name);
    try {
      // v2: the controllers the emulator enables below its parent must be enabled for the file's subtree first.
      if (v2) try { writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory +cpu'); } catch { /* not delegatable */ }
      mkdirSync(sub, { recursive: true });
      made.push(sub);
      mkdirSync(join(sub, LEAF), { recursive: true });
    } catch (e) {
      if (made.at(-1) === sub) { made.pop(); removeCgroupTree(sub); }
      warn(dir, e);
    }
  }
  return made;
}

/** Shell words moving the shell into the leaf of each subtree (before it execs the file's command). */
export function enterLeaves(subtrees) {
  return subtrees.map((d) => `echo $$ > ${q(join(d, LEAF, 'cgroup.procs'))} && `).join('');
}

/** Removes a cgroup directory and those below it (only empty ones can go); false when one is still busy. */
export function removeCgroupTree(dir) {
  let ok = true;
  let entries = [];
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch (e) { return e.code === 'ENOENT'; }
  for (const e of entries) if (e.isDirectory()) ok = removeCgroupTree(join(dir, e.name)) && ok;
  try { rmdirSync(dir); } catch (e) { return e.code === 'ENOENT'; }
  return ok;
}

/** Pids in a cgroup and those below it. */
export function pidsIn(dir) {
  let pids = [];
  try { pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; }
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) pids.push(...pidsIn(join(dir, e.name)));
  } catch { /* removed meanwhile */ }
  return pids;
}

/** "<name>[<pid>]: <command line, cut>" of a process; node's own options (before its script) left out. */
export function describeProcess(pid) {
  let comm = '?';
  let argv = [];
  try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return `[${pid}] (gone)`; }
  try { argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean); } catch { /* gone */ }
  if (comm === 'node' || comm.startsWith('MainThread')) {
    const script = argv.findIndex((a, i) => i > 0 && !/^--[\w-]+(=.*)?$/.test(a));
    if (script > 1) argv.splice(1, script - 1);
  }
  const line = argv.join(' ').replace(/\s+/g, ' ');
  return `${comm}[${pid}]${line ? `: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}` : ''}`;
}

/**
 * SIGKILLs what is in the subtrees now (v2: cgroup.kill; v1 or a kernel without it: each pid), synchronously. A
 * paused emulator system's v1 freezer cgroup is thawed after the kill: a frozen v1 task dies only once thawed.
 */
export function killSubtreesNow(subtrees) {
  for (const d of subtrees) {
    const here = pidsIn(d);
    if (here.length === 0) continue;
    try { writeFileSync(join(d, 'cgroup.kill'), '1'); } catch {
      for (const pid of here) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      thawTree(d);
    }
  }
}

/** Thaws each v1 freezer cgroup at and below `dir` (thawing a parent leaves a child frozen by itself frozen). */
function thawTree(dir) {
  let entries = [];
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  if (entries.some((e) => e.name === 'freezer.state')) try { writeFileSync(join(dir, 'freezer.state'), 'THAWED'); } catch { /* the root: none */ }
  for (const e of entries) if (e.isDirectory()) thawTree(join(dir, e.name));
}

/**
 * Kills what is left in the subtrees and removes them. Processes still exiting on their own (a test that signalled
 * a daemon without awaiting its exit) get `settleMs` first; the rest are named, then killed (v2: cgroup.kill of the
 * subtree; v1 or a kernel without it: SIGKILL to each pid, again while any is left, as one may fork meanwhile).
 * Removal is retried for up to 5 s. Resolves { left: the processes killed, named; busy: subtrees not removed }.
 */
export async function reapSubtrees(subtrees, { settleMs = 1000 } = {}) {
  const pids = () => [...new Set(subtrees.flatMap(pidsIn))];
  for (const until = Date.now() + settleMs; pids().length > 0 && Date.now() < until;) await sleep(20);
  const left = pids().map(describeProcess);
  let busy = subtrees;
  for (const start = Date.now(); ; await sleep(50)) {
    if (pids().length > 0) {
      killSubtreesNow(subtrees);
    } else {
      busy = busy.filter((d) => !removeCgroupTree(d));
      if (busy.length === 0) break;
    }
    if (Date.now() - start > 5000) break;
  }
  return { left, busy };
}

/** Whether a process `pid` exists (EPERM: it does, someone else's). */
function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

/**
 * Subtrees `wincri-test-<pid>-*` of runners that are gone (killed before their cleanup ran), in each hierarchy:
 * what is in them is killed and they are removed (reapSubtrees). Those of a live runner are left alone. Resolves
 * { removed, left, busy } as reapSubtrees, removed: the subtrees found.
 */
export async function reapStaleSubtrees(hierarchies, { settleMs = 0 } = {}) {
  const stale = [];
  for (const { dir } of hierarchies) {
    let names = [];
    try { names = readdirSync(dir); } catch { continue; }
    for (const n of names) {
      const m = /^wincri-test-(\d+)-/.exec(n);
      if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) stale.push(join(dir, n));
    }
  }
  if (stale.length === 0) return { removed: [], left: [], busy: [] };
  return { removed: stale, ...(await reapSubtrees(stale, { settleMs })) };
}

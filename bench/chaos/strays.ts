/**
 * Stray processes of the runtime under test that are not container processes (the chaos and soak audits count
 * them as leaks): namespace holders whose container or pod has no record, namespace helpers (`wincri-ns enter`)
 * whose holder is not an owned one (nor their cgroup a recorded system's), and children of the daemon, the IO
 * keeper or the emulator service (CNI plugins among them) whose chain of parents no longer reaches a live one.
 * Util-linux chain holders (no C helper) count as holders, by their root, not as children of a killed service. Container processes are checked by their markers (round.ts).
 *
 * Which processes are ours: the helpers by their binary (`<root>/emulator/bin/wincri-ns-*`); everything the
 * daemon, keeper and service start by the run mark in their environment (WINCRI_BENCH_RUN, set before the world
 * starts and inherited by all three and their children; a container's processes get their own environment).
 */
import { join } from 'node:path';
import { allPids, readArgv, readEnviron, readStat } from '../../src/platform/emulator/service/procfs.js';

export const RUN_MARK = 'WINCRI_BENCH_RUN';

/** Sets this run's mark (once) so that what the runtime under test starts can be told apart; returns it. */
export function markRun(): string {
  process.env[RUN_MARK] ??= `${process.pid}-${Date.now().toString(36)}`;
  return process.env[RUN_MARK]!;
}

const keepersSeen = new WeakMap<object, Set<number>>();
/** Notes an IO keeper pid of the run `key` (before it is killed: its children are known by its process group). */
export function rememberKeeper(key: object, pid: number | undefined): ReadonlySet<number> {
  const set = keepersSeen.get(key) ?? new Set<number>();
  keepersSeen.set(key, set);
  if (pid) set.add(pid);
  return set;
}

export interface ProcInfo { pid: number; ppid: number; pgrp: number; argv: string[]; env: Map<string, string> }

export interface StrayContext {
  /** The runtime's root (its emulator state dir, and the helpers' binary, are under it). */
  root: string;
  /** This run's mark (markRun). */
  mark: string;
  /** Live daemon, IO keeper and emulator service pids (and the audit's own). */
  live: ReadonlySet<number>;
  /** Pids the IO keeper had in this run (its children keep its process group after it is killed). */
  keepers: ReadonlySet<number>;
  /** Ids of pods and containers the daemon has records of. */
  owners: ReadonlySet<string>;
}

export type StrayKind = 'holder' | 'ns-helper' | 'cni-plugin' | 'keeper-child' | 'runtime-child';
export interface Stray { pid: number; kind: StrayKind; why: string }

const opt = (argv: readonly string[], o: string) => { const i = argv.indexOf(o); return i > 0 ? argv[i + 1] : undefined; };
/** Every value of option `o` before the program's `--`. */
const opts = (argv: readonly string[], o: string) => {
  const end = argv.indexOf('--');
  return argv.slice(0, end < 0 ? argv.length : end).flatMap((a, i, all) => (a === o && all[i + 1] !== undefined ? [all[i + 1]!] : []));
};
/** Whether a path (a holder's root, a cgroup's procs file) names a recorded pod or container by one of its segments. */
const names = (path: string, ctx: StrayContext) => path.split('/').some((seg) => ctx.owners.has(seg));

/** Whether a holder's root (`-r …/containers/<id>/Files`) belongs to a recorded container or pod. */
function ownedHolder(p: ProcInfo, ctx: StrayContext): boolean {
  return names(opt(p.argv, '-r') ?? '', ctx);
}

/**
 * The root of a util-linux chain holder (the emulator without its C helper): `[nsenter … --] unshare … sh -c
 * '… exec chroot ROOT /bin/sh -c …'` (isolation.ts, shellHolderArgv). Its PID 1 shell and that shell's sleep
 * descend from it. Undefined for anything else.
 */
function shellHolderRoot(p: ProcInfo): string | undefined {
  const base = p.argv[0]?.split('/').pop();
  if (base !== 'unshare' && base !== 'nsenter') return undefined;
  const script = p.argv.find((a) => a.includes('exec chroot '));
  const m = script ? /exec chroot '((?:[^']|'\\'')*)' /.exec(script) : null;
  return m ? m[1]!.replace(/'\\''/g, "'") : undefined;
}

/** Every process of the table that is ours and owned by nothing (see above), with what it is and why it counts. */
export function classifyStrays(table: readonly ProcInfo[], ctx: StrayContext): Stray[] {
  const helper = join(ctx.root, 'emulator', 'bin', 'wincri-ns-');
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const isHelper = (p: ProcInfo | undefined) => !!p?.argv[0]?.startsWith(helper);
  const owned = (p: ProcInfo | undefined) => !!p && isHelper(p) && p.argv[1] === 'holder' && ownedHolder(p, ctx);
  const marked = (p: ProcInfo | undefined) => p?.env.get(RUN_MARK) === ctx.mark;
  /** The chain holder `p` is or descends from (its root), walking up through this run's processes. */
  const chainHolder = (p: ProcInfo): string | undefined => {
    for (let q: ProcInfo | undefined = p, n = 0; q && marked(q) && n < 16; q = byPid.get(q.ppid), n++) {
      const root = shellHolderRoot(q);
      if (root !== undefined) return root;
    }
    return undefined;
  };
  /** Started, through this run's processes only, by a live daemon, keeper or service (a CNI plugin's IPAM child). */
  const inFlight = (p: ProcInfo): boolean => {
    for (let q: ProcInfo | undefined = p, n = 0; q && n < 16; q = byPid.get(q.ppid), n++) {
      if (ctx.live.has(q.ppid)) return true;
      if (!marked(byPid.get(q.ppid))) return false;
    }
    return false;
  };
  const out: Stray[] = [];
  for (const p of table) {
    if (ctx.live.has(p.pid)) continue;
    const cmd = p.argv.join(' ').slice(0, 160);
    if (isHelper(p)) {
      if (p.argv[1] === 'holder') {
        if (!ownedHolder(p, ctx)) out.push({ pid: p.pid, kind: 'holder', why: `namespace holder without a recorded pod or container: ${cmd}` });
      } else if (!owned(byPid.get(Number(opt(p.argv, '-t')))) && !opts(p.argv, '-c').some((f) => names(f, ctx))) {
        // A helper whose holder is gone still belongs to a recorded system by its cgroup: a stopped container's
        // spool copy, still writing (or stalled on) the program's last output, until the record is forgotten.
        out.push({ pid: p.pid, kind: 'ns-helper', why: `namespace helper whose holder is gone or unowned: ${cmd}` });
      }
      continue;
    }
    if (!marked(p) || inFlight(p)) continue;
    // A chain holder (and its PID 1 and sleep) outlives a killed service by design: owned while its system is.
    const root = chainHolder(p);
    if (root !== undefined) {
      if (!names(root, ctx)) out.push({ pid: p.pid, kind: 'holder', why: `namespace holder (util-linux chain) without a recorded pod or container: ${cmd}` });
      continue;
    }
    if (p.env.has('CNI_COMMAND')) out.push({ pid: p.pid, kind: 'cni-plugin', why: `CNI plugin (${p.env.get('CNI_COMMAND')}) whose caller is gone: ${cmd}` });
    else if (ctx.keepers.has(p.pgrp)) out.push({ pid: p.pid, kind: 'keeper-child', why: `child of an IO keeper that is gone: ${cmd}` });
    else out.push({ pid: p.pid, kind: 'runtime-child', why: `started by the runtime, its parent gone: ${cmd}` });
  }
  return out;
}

/** The host's processes as classifyStrays reads them (environment too: the audit runs as root). */
export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const pid of allPids()) {
    const st = readStat(pid);
    // cmdline ends with a NUL: its last, empty field is no argument.
    const argv = readArgv(pid)?.filter((a, i, all) => a !== '' || i < all.length - 1);
    if (!st || !argv) continue; // gone meanwhile
    out.push({ pid, ppid: st.ppid, pgrp: st.pgrp, argv, env: readEnviron(pid) ?? new Map() });
  }
  return out;
}

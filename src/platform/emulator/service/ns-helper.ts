/**
 * The namespace helper (ns-helper-source.ts), compiled once per source version with the host C compiler
 * (c-helper.ts): one process enters an isolated system (instead of sh → nsenter → setsid) and one builds a
 * system's namespaces and stays as its PID 1 (instead of nsenter → unshare → sh → mount → chroot → sh → sleep).
 * Without a C compiler, or with WINCRI_EMULATOR_NS_HELPER=0, isolation.ts keeps its util-linux shell path; which
 * one runs is reported with the isolation facts (serviceProperties → Isolation.Launcher).
 */
import { buildHelper } from './c-helper.js';
import { NS_HELPER_SOURCE } from './ns-helper-source.js';

export interface LauncherFacts {
  /** `helper`: the compiled namespace helper; `shell`: nsenter/unshare/sh chains (slower); `pending`: building. */
  Kind: 'helper' | 'shell' | 'pending';
  Reason?: string;
}

let facts: LauncherFacts = { Kind: 'pending' };
let building: Promise<string | undefined> | undefined;

/** The helper's path, building it on first call; undefined (shell path) when it cannot be built. */
export function nsHelper(stateDir: string): Promise<string | undefined> {
  if (building) return building;
  if (process.env.WINCRI_EMULATOR_NS_HELPER === '0') {
    facts = { Kind: 'shell', Reason: 'disabled by WINCRI_EMULATOR_NS_HELPER=0' };
    building = Promise.resolve(undefined);
    return building;
  }
  building = buildHelper(stateDir, 'wincri-ns', NS_HELPER_SOURCE).then((path) => {
    facts = { Kind: 'helper' };
    return path;
  }, (e: Error) => {
    facts = { Kind: 'shell', Reason: `the namespace helper needs a C compiler (install gcc): ${e.message}` };
    return undefined;
  });
  return building;
}

export function launcherFacts(): LauncherFacts {
  return facts;
}

/** Arguments of the helper's `enter` mode (see ns-helper-source.ts). */
export function helperEnterArgs(
  holderPid: number, cwd: string, procs: readonly string[], statusFile: string, pidFd: number, file: string, args: readonly string[],
): string[] {
  return ['enter', '-t', String(holderPid), '-w', cwd, '-s', statusFile, '-p', String(pidFd),
    ...procs.flatMap((f) => ['-c', f]), '--', file, ...args];
}

/**
 * Options of `enter` that make the helper spool the program's output next to these FIFOs (its doorbells) and feed
 * its stdin from the files the service spools it to (stdin-spool.ts).
 */
export function helperSpoolArgs(fifos: { stdout?: string; stderr?: string; stdin?: string }): string[] {
  return [...(fifos.stdout ? ['-o', fifos.stdout] : []), ...(fifos.stderr ? ['-e', fifos.stderr] : []),
    ...(fifos.stdin ? ['-i', fifos.stdin] : [])];
}

/** Arguments of the helper's `holder` mode. */
export function helperHolderArgs(o: { root: string; table: string; hostName?: string; netns?: string; join?: number; procs: readonly string[] }): string[] {
  return ['holder', '-r', o.root, '-m', o.table, ...(o.hostName ? ['-h', o.hostName] : []),
    ...(o.netns ? ['-n', `/run/netns/${o.netns}`] : []), ...(o.join ? ['-j', String(o.join)] : []),
    ...o.procs.flatMap((f) => ['-c', f])];
}

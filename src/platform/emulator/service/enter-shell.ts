/**
 * Entering an isolated system without the namespace helper (ns-helper.ts): `sh` joins the cgroup(s) and execs
 * `nsenter --target <holder> --pid --mount --uts --net --root --wdns=<dir> -- setsid <program>`; the program is
 * nsenter's child, found by polling /proc (programPid).
 */
import { readFileSync } from 'node:fs';
import { readStat } from './procfs.js';
import type { HolderRecord } from './isolation.js';

/**
 * The wrapper that runs `file args` inside the system's namespaces, `cwd` being a path inside the container
 * (`--wdns` resolves it there: `--wd` would open it in the service's mount namespace, and a working directory
 * from outside the new root lets `..` climb out of it).
 */
export function enterCommand(h: HolderRecord, cwd: string, file: string, args: string[]): { file: string; args: string[] } {
  return {
    file: 'nsenter',
    args: [`--target=${h.pid}`, '--pid', '--mount', '--uts', '--net', '--root', `--wdns=${cwd}`, '--', 'setsid', file, ...args],
  };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { return []; }
}

/**
 * The program's own pid: nsenter's child once it is its own process group leader (setsid done). Undefined when
 * nsenter is gone before that (the program already ended; its status arrives through nsenter).
 */
export async function programPid(wrapperPid: number, wrapperGone: () => boolean): Promise<number | undefined> {
  const deadline = Date.now() + 10_000;
  while (!wrapperGone() && Date.now() < deadline) {
    for (const c of childrenOf(wrapperPid)) {
      const st = readStat(c);
      if (st && st.pgrp === c && st.session === c) return c;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return undefined;
}


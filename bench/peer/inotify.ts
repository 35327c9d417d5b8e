/**
 * Room for containerd's inotify watchers. containerd (its CRI plugin, the CNI config watcher, shims) makes inotify
 * instances; the per-user limit `fs.inotify.max_user_instances` (128 by default) is shared by every process of the
 * user on the host (other runtimes, editors, other benches), and once it is used up containerd fails to start with
 * "too many open files". When the bench runs as root and a limit is below what the peer needs, it is raised
 * (and the bench says so); otherwise the error names the setting and how to raise it.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const INOTIFY_LIMITS = { max_user_instances: 1024, max_user_watches: 524_288 } as const;
type Limit = keyof typeof INOTIFY_LIMITS;

const path = (k: Limit) => `/proc/sys/fs/inotify/${k}`;

function read(k: Limit): number | undefined {
  try { return Number(readFileSync(path(k), 'utf8').trim()); } catch { return undefined; }
}

/** Raises each inotify limit below INOTIFY_LIMITS when root; returns one line per change or failure (for the log). */
export function ensureInotifyRoom(): string[] {
  const said: string[] = [];
  for (const k of Object.keys(INOTIFY_LIMITS) as Limit[]) {
    const now = read(k);
    const want = INOTIFY_LIMITS[k];
    if (now === undefined || now >= want) continue;
    if (process.getuid?.() !== 0) { said.push(`fs.inotify.${k} is ${now} (containerd may fail with "too many open files"); as root: sysctl -w fs.inotify.${k}=${want}`); continue; }
    try {
      writeFileSync(path(k), String(want));
      said.push(`raised fs.inotify.${k} from ${now} to ${want} for the containerd peer (host-wide; it stays until reboot)`);
    } catch (e) {
      said.push(`cannot raise fs.inotify.${k} from ${now} to ${want}: ${(e as Error).message}`);
    }
  }
  return said;
}

/** Whether containerd's log says it ran out of inotify instances or watches (or descriptors). */
export function outOfInotify(log: string): boolean {
  return /too many open files/i.test(log);
}

/** The error for a containerd that failed so even after the limits were raised (or could not be). */
export function inotifyAdvice(log: string): string {
  const cur = (Object.keys(INOTIFY_LIMITS) as Limit[]).map((k) => `fs.inotify.${k}=${read(k) ?? '?'}`).join(', ');
  return `containerd ran out of inotify instances/watches or file descriptors ("too many open files") twice (${cur}; ` +
    `the limits are per user and shared with every process on the host): raise them (sysctl -w fs.inotify.max_user_instances=${INOTIFY_LIMITS.max_user_instances} ` +
    `fs.inotify.max_user_watches=${INOTIFY_LIMITS.max_user_watches}) or stop what holds them, then retry\n${log}`;
}

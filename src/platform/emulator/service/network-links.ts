/**
 * The links of the service's network namespace, read from /proc/net/dev (per namespace, no process spawned), and
 * a wait until given links are gone (the kernel removes a deleted namespace's veth pairs in the background).
 */
import { readFileSync } from 'node:fs';

/** The names of the links of this process's network namespace. */
export function presentLinks(): Set<string> {
  const out = new Set<string>();
  let text = '';
  try { text = readFileSync('/proc/net/dev', 'utf8'); } catch { return out; }
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.add(line.slice(0, i).trim());
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once none of `names` is a link here, or after `waitMs`. Polled from 2 ms backing off to 20 ms (the
 * kernel takes some 10 ms, more under load; parallel waits share the event loop).
 */
export async function linksGone(names: string[], waitMs: number): Promise<void> {
  for (let step = 2, deadline = Date.now() + waitMs; names.length && Date.now() < deadline; step = Math.min(20, step * 2)) {
    const present = presentLinks();
    if (!names.some((n) => present.has(n))) return;
    await sleep(step);
  }
}

/** Questions about the Linux host the emulator's networking (./linuxnet.ts) asks: routes, source address, its own objects. */
import { run } from './linuxnet-exec.js';
import { parseCidr } from './linuxnet-addr.js';
import { PREFIX } from './linuxnet-names.js';

/** A route of the host (including the bridges of other networks) that overlaps `cidr`. */
export async function overlappingHostRoute(cidr: string): Promise<string | undefined> {
  const want = parseCidr(cidr);
  if (!want) return undefined;
  const r = await run('ip', ['-4', 'route', 'show', 'table', 'main']);
  for (const line of r.stdout.split('\n')) {
    const [dst] = line.trim().split(/\s+/);
    if (!dst || dst === 'default') continue;
    const c = parseCidr(dst.includes('/') ? dst : `${dst}/32`);
    if (!c) continue;
    const p = Math.min(c.prefix, want.prefix);
    const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
    if (((c.base & mask) >>> 0) === ((want.base & mask) >>> 0)) return line.trim();
  }
  return undefined;
}

/** Every Linux object carrying the prefix (for leak audits): netns, links, nft tables. */
export async function listLabelled(): Promise<{ netns: string[]; links: string[]; tables: string[] }> {
  const ns = await run('ip', ['netns', 'list']);
  const links = await run('ip', ['-o', 'link', 'show']);
  const tables = await run('nft', ['list', 'tables']);
  return {
    netns: ns.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(PREFIX)),
    links: links.stdout.split('\n').map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '').filter((n) => n.startsWith(PREFIX)),
    tables: tables.stdout.split('\n').map((l) => l.trim().split(' ')[2] ?? '').filter((n) => n.startsWith(PREFIX)),
  };
}

/** The IPv4 source address the host uses for its default route (an overlay's provider address). */
export async function defaultSourceAddress(): Promise<string | undefined> {
  const r = await run('ip', ['-4', 'route', 'get', '1.1.1.1']);
  const m = /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout);
  if (m) return m[1];
  const a = await run('ip', ['-4', '-o', 'addr', 'show', 'scope', 'global']);
  return /inet (\d+\.\d+\.\d+\.\d+)/.exec(a.stdout)?.[1];
}

/**
 * host-local style address allocator with on-disk state: one file per allocated address in
 * <dataDir>/<network>/ named after the address and holding "<containerId>\n<ifname>".
 *
 * Concurrency and crash safety without locks: an address is claimed by hard-linking a fully written, fsynced
 * temporary file to the address's name. link(2) fails with EEXIST if another ADD won the race, and after a crash
 * a claim is either complete or absent (a stray temporary file is removed by the next GC). Release unlinks the
 * file. The last allocated address is remembered (atomically) so addresses are handed out round robin.
 */
import { mkdir, readdir, readFile, unlink, link, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../src/util/atomic.js';
import type { IpRange } from './config-ipam.js';
import { intToIp, ipToInt } from './ip.js';
import { CniError, CNI_ERR } from './errors.js';

export interface Allocation { ip: string; range: IpRange; containerId: string; ifname: string }

const LAST = 'last_reserved_ip';
const isAddr = (n: string) => ipToInt(n) !== undefined;

export class HostLocalAllocator {
  constructor(private readonly dir: string, private readonly ranges: IpRange[], private readonly exclude: Set<number>) {}

  private rangeOf(ip: number): IpRange | undefined {
    return this.ranges.find((r) => ip >= r.subnet.network && ip <= r.subnet.broadcast);
  }

  /** Every claim in the directory (including claims outside the configured ranges). */
  async list(): Promise<{ ip: string; containerId: string; ifname: string }[]> {
    let names: string[];
    try { names = await readdir(this.dir); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: { ip: string; containerId: string; ifname: string }[] = [];
    for (const n of names.filter(isAddr)) {
      let text: string;
      try { text = await readFile(join(this.dir, n), 'utf8'); } catch { continue; }
      const [containerId = '', ifname = ''] = text.split(/\r?\n/);
      out.push({ ip: n, containerId: containerId.trim(), ifname: ifname.trim() });
    }
    return out;
  }

  /**
   * Allocates one address for (containerId, ifname), or returns the one it already holds. `inUse` are addresses
   * HNS endpoints already carry (a leaked endpoint must not get its address handed out twice).
   */
  async allocate(containerId: string, ifname: string, inUse: Set<number> = new Set()): Promise<Allocation> {
    await mkdir(this.dir, { recursive: true });
    for (const c of await this.list()) {
      const r = this.rangeOf(ipToInt(c.ip)!);
      if (c.containerId === containerId && c.ifname === ifname && r) return { ip: c.ip, range: r, containerId, ifname };
    }
    const content = `${containerId}\n${ifname}`;
    const tmp = join(this.dir, `.claim-${randomBytes(6).toString('hex')}`);
    const fh = await open(tmp, 'w', 0o600);
    try { await fh.writeFile(content); await fh.sync(); } finally { await fh.close(); }
    try {
      let last: number | undefined;
      try { last = ipToInt((await readFile(join(this.dir, LAST), 'utf8')).trim()); } catch { /* first allocation */ }
      const candidates = this.candidates(last);
      for (const { ip, range } of candidates) {
        if (this.exclude.has(ip) || inUse.has(ip)) continue;
        const name = intToIp(ip);
        try {
          await link(tmp, join(this.dir, name));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw new CniError(CNI_ERR.IoFailure, `ipam: cannot record ${name}`, (e as Error).message);
        }
        await writeFileAtomic(join(this.dir, LAST), name).catch(() => undefined);
        return { ip: name, range, containerId, ifname };
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    throw new CniError(CNI_ERR.AddressExhausted, 'ipam: no free address left in the configured range(s)',
      this.ranges.map((r) => `${intToIp(r.start)}-${intToIp(r.end)}`).join(', '));
  }

  /** Addresses in allocation order: after `last` (round robin), wrapping around, range by range. */
  private *candidates(last: number | undefined): Generator<{ ip: number; range: IpRange }> {
    const all: { ip: number; range: IpRange }[] = [];
    for (const range of this.ranges) {
      for (let ip = range.start; ip <= range.end; ip++) {
        if (ip === range.subnet.network || ip === range.subnet.broadcast) continue;
        all.push({ ip, range });
      }
    }
    let from = last === undefined ? 0 : all.findIndex((c) => c.ip === last) + 1;
    if (from < 0 || from >= all.length) from = 0;
    for (let i = 0; i < all.length; i++) yield all[(from + i) % all.length]!;
  }

  /** Number of addresses an ADD could still get. */
  async freeCount(): Promise<number> {
    const used = new Set((await this.list()).map((c) => ipToInt(c.ip)!));
    let n = 0;
    for (const c of this.candidates(undefined)) if (!used.has(c.ip) && !this.exclude.has(c.ip)) n++;
    return n;
  }

  /** Releases every address held by (containerId, ifname); returns them. Missing state = nothing to do. */
  async release(containerId: string, ifname: string): Promise<string[]> {
    const out: string[] = [];
    for (const c of await this.list()) {
      if (c.containerId === containerId && c.ifname === ifname) {
        await unlink(join(this.dir, c.ip)).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
        out.push(c.ip);
      }
    }
    return out;
  }

  /** Releases every claim whose (containerId, ifname) is not valid; removes stray temporary claim files. */
  async gc(valid: (containerId: string, ifname: string) => boolean): Promise<string[]> {
    const out: string[] = [];
    for (const c of await this.list()) {
      if (!valid(c.containerId, c.ifname)) {
        await unlink(join(this.dir, c.ip)).catch(() => undefined);
        out.push(c.ip);
      }
    }
    let names: string[] = [];
    try { names = await readdir(this.dir); } catch { /* none */ }
    for (const n of names.filter((x) => x.startsWith('.claim-'))) {
      const p = join(this.dir, n);
      const s = await stat(p).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > 60_000) await unlink(p).catch(() => undefined);
    }
    return out;
  }
}

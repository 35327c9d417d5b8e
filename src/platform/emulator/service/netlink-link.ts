/**
 * The per-pod steps (./linuxnet-pod.ts) over rtnetlink, no process: a namespace with lo up (and the instance mark),
 * an endpoint's veth (host side up in the bridge, peer configured inside the namespace), a link's removal. Errors
 * are LinuxNetErrors naming the step and the object, as the `ip` path's are.
 */
import { closeSync } from 'node:fs';
import { LinuxNetError } from './linuxnet-exec.js';
import { ipToNumber, parseAddrPrefix } from './linuxnet-addr.js';
import { addNetns, removeNetns, removeNetnsAfterFailure, enterNetns } from './netns-ops.js';
import { NetlinkSocket, NetlinkError } from './netlink-socket.js';
import { setLink, newVeth, delLink, getLink, newAddr, replaceRoute } from './netlink-requests.js';
import { macBytes, ifindexOf } from './netlink-msg.js';
import { netlinkLibc, type NetlinkLibc } from './netlink-libc.js';
import type { PodSteps, VethSpec } from './linuxnet-pod.js';

export const ENODEV = 19;

/** Runs `step`; a NetlinkError becomes a LinuxNetError naming `what`. */
async function step<T>(what: string, f: () => T | Promise<T>): Promise<T> {
  try { return await f(); } catch (e) {
    if (e instanceof NetlinkError) throw new LinuxNetError(`${what}: ${e.message}`);
    throw e;
  }
}

/** "a.b.c.d[/n]" or "default" → address and prefix (the host bits are left for the kernel to judge, as `ip` does). */
export function parseDst(dst: string): { base: number; prefix: number } | undefined {
  if (dst === 'default') return { base: 0, prefix: 0 };
  const a = parseAddrPrefix(dst, 32);
  return a && { base: a.ip, prefix: a.prefix };
}

export class NetlinkLinks implements PodSteps {
  private constructor(private readonly lc: NetlinkLibc, private readonly log: (m: string) => void) {}
  /** Null where netlink cannot be used (./netlink-libc.ts). */
  static get(log: (m: string) => void): NetlinkLinks | null {
    const lc = netlinkLibc();
    return lc ? new NetlinkLinks(lc, log) : null;
  }

  async createNetns(name: string, alias?: string): Promise<void> {
    const sock = await step(`ip netns add ${name}`, () => addNetns(this.lc, name, this.log));
    try {
      await step(`(in ${name}) link set lo up${alias ? ` alias ${alias}` : ''}`, () => sock.request((s) => setLink(s, 'lo', { up: true, alias })));
    } catch (e) {
      removeNetnsAfterFailure(this.lc, name, this.log);
      throw e;
    } finally { sock.close(); }
  }
  async deleteNetns(name: string): Promise<void> { removeNetns(this.lc, name); }

  async attachVeth(v: VethSpec): Promise<void> {
    // Everything parsed before anything is made.
    const ip = v.ip === undefined ? undefined : ipToNumber(v.ip);
    if (v.ip !== undefined && ip === undefined) throw new LinuxNetError(`addr add ${v.ip}/${v.prefix ?? 32} dev ${v.peer}: not an IPv4 address`);
    const mac = v.mac === undefined ? undefined : macBytes(v.mac);
    if (v.mac !== undefined && !mac) throw new LinuxNetError(`link add ${v.host} … peer name ${v.peer} address ${v.mac}: not a MAC address`);
    const routes = v.routes.map((r) => {
      const shown = `route replace ${r.dst}${r.via ? ` via ${r.via}` : ''} dev ${v.peer}`;
      const dst = parseDst(r.dst === '0.0.0.0/0' ? 'default' : r.dst);
      const via = r.via === undefined ? undefined : ipToNumber(r.via);
      if (!dst || (r.via !== undefined && via === undefined)) throw new LinuxNetError(`(in ${v.netns}) ${shown}: not an IPv4 destination or gateway`);
      return { dst, via, shown };
    });

    const host = await step('netlink socket', () => NetlinkSocket.open(this.lc));
    let made = false;
    try {
      const master = await step(`bridge ${v.bridge}`, async () => ifindexOf(one(await host.request((s) => getLink(s, v.bridge)))));
      const { sock: inner, nsFd } = await step(`network namespace ${v.netns}`, () => enterNetns(this.lc, v.netns, this.log));
      try {
        await step(`link add ${v.host} up master ${v.bridge} type veth peer name ${v.peer} netns ${v.netns}${v.mac ? ` address ${v.mac}` : ''}`,
          () => host.request((s) => newVeth(s, { host: v.host, master, peer: v.peer, nsFd, peerMac: mac })));
        made = true;
        if (v.alias) await step(`link set ${v.host} alias ${v.alias}`, () => host.request((s) => setLink(s, v.host, { alias: v.alias })));
        const index = await step(`(in ${v.netns}) link show ${v.peer}`, async () => ifindexOf(one(await inner.request((s) => getLink(s, v.peer)))));
        if (ip !== undefined) await step(`(in ${v.netns}) addr add ${v.ip}/${v.prefix ?? 32} dev ${v.peer}`, () => inner.request((s) => newAddr(s, index, ip, v.prefix ?? 32)));
        await step(`(in ${v.netns}) link set ${v.peer} up`, () => inner.request((s) => setLink(s, v.peer, { up: true })));
        for (const r of routes) await step(`(in ${v.netns}) ${r.shown}`, () => inner.request((s) => replaceRoute(s, index, r.dst, r.via)));
      } finally {
        inner.close();
        closeSync(nsFd);
      }
    } catch (e) {
      if (made) await host.request((s) => delLink(s, v.host)).catch(() => undefined);
      throw e;
    } finally { host.close(); }
  }

  /** `ip link del NAME`: true when it is gone (removed now, or absent: ENODEV). */
  async delLink(name: string): Promise<boolean> {
    const host = await step('netlink socket', () => NetlinkSocket.open(this.lc));
    try {
      await host.request((s) => delLink(s, name));
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === ENODEV) return true;
      if (e instanceof NetlinkError) throw new LinuxNetError(`ip link del ${name}: ${e.message}`);
      throw e;
    } finally { host.close(); }
  }
}

function one<T>(answers: T[]): T {
  const a = answers[0];
  if (a === undefined) throw new NetlinkError(0, 'the kernel sent no answer');
  return a;
}

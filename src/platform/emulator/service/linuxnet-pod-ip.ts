/** The per-pod steps (./linuxnet-pod.ts) with `ip` processes: the fallback of the rtnetlink path (./netlink-link.ts). */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, quiet, ipBatch, ipBatchThenInside, LinuxNetError } from './linuxnet-exec.js';
import { macColons } from './linuxnet-addr.js';
import type { PodSteps, VethSpec } from './linuxnet-pod.js';

export class IpPodSteps implements PodSteps {
  /** Counter naming the batch files under `scratch`. */
  private batches = 0;

  /**
   * `scratch`: a directory of this service for `ip` batch files (emptied here: nothing in it outlives a call);
   * without one (or with a blank or quote in its path) an endpoint's attach takes two `ip` processes.
   */
  constructor(private readonly scratch?: string) {
    if (scratch && /^[^\s"'\\]+$/.test(scratch)) {
      rmSync(scratch, { recursive: true, force: true });
      mkdirSync(scratch, { recursive: true, mode: 0o700 });
    } else this.scratch = undefined;
  }

  /**
   * One `ip` process: `netns add`, then `netns exec` of `ip link set lo up` (and the mark) inside it — a fork by
   * that small process instead of a second process started by this (much larger) one. When the second line fails
   * the batch's undo deletes the netns again.
   */
  async createNetns(name: string, alias?: string): Promise<void> {
    await ipBatch(undefined, [`netns add ${name}`, `netns exec ${name} ip link set lo up${alias ? ` alias ${alias}` : ''}`], `netns delete ${name}`);
  }
  async deleteNetns(name: string): Promise<void> { await quiet('ip', ['netns', 'delete', name]); }

  /**
   * The host side's link comes up enslaved to the bridge, and the peer gets its MAC, in the one `link add`; the
   * peer's address, state and routes are set inside the namespace. One `ip` process when there is a scratch
   * directory for the inner batch, else two (host side, then `ip -n`); either undoes the veth when a step fails.
   */
  async attachVeth(v: VethSpec): Promise<void> {
    const mac = v.mac ? ` address ${macColons(v.mac)}` : '';
    const hostLines = [`link add ${v.host} up master ${v.bridge} type veth peer name ${v.peer} netns ${v.netns}${mac}`];
    if (v.alias) hostLines.push(`link set ${v.host} alias ${v.alias}`);
    const ns: string[] = [];
    if (v.ip) ns.push(`addr add ${v.ip}/${v.prefix ?? 32} dev ${v.peer}`);
    ns.push(`link set ${v.peer} up`);
    for (const r of v.routes) {
      const dst = r.dst === '0.0.0.0/0' ? 'default' : r.dst;
      ns.push(r.via ? `route replace ${dst} via ${r.via} dev ${v.peer} onlink` : `route replace ${dst} dev ${v.peer}`);
    }
    if (this.scratch) {
      await ipBatchThenInside(hostLines, v.netns, ns, join(this.scratch, `${v.host}-${++this.batches}`), `link del ${v.host}`);
      return;
    }
    await ipBatch(undefined, hostLines, `link del ${v.host}`);
    try { await ipBatch(v.netns, ns); } catch (err) {
      await quiet('ip', ['link', 'del', v.host]);
      throw err;
    }
  }

  /** `ip link del NAME`: true when gone. "Cannot find device" is `ip`'s own lookup failing; "No such device" the kernel's answer when the link vanished between that lookup and the delete (a namespace deletion removing its veth pair in the background). */
  async delLink(name: string): Promise<boolean> {
    const r = await run('ip', ['link', 'del', name]);
    if (r.code === 0 || /cannot find device|no such device/i.test(r.stderr)) return true;
    throw new LinuxNetError(`ip link del ${name}: ${r.stderr.trim()}`);
  }
}

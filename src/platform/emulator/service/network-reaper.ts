/**
 * Linux objects of deleted or detached HNS objects whose removal has not finished, journalled in the network
 * records (a snapshot that lacks an HNS object lists what of its Linux objects may remain), so a service killed
 * at any point finishes them at its next start (load) and none outlives a service stop.
 *
 * A detached endpoint's veth is not deleted with `ip link del` at once (the kernel holds the call some 20 ms in its
 * device unregistration): its peer is inside the pod's network namespace, and deleting that namespace (what a pod
 * stop does next) makes the kernel remove the pair in the background. HcnDeleteNamespace answers once the
 * namespace is deleted; the pair's removal is confirmed in the background (deleted here after REAP_WAIT_MS, e.g.
 * when a process still holds the namespace). A veth whose namespace lives on is deleted after a short grace
 * period, and at once when a new attach could clash with it (same host name, same namespace, or same address on
 * the same bridge).
 *
 * Crash safety of the background confirmation: HcnDeleteNamespace journals the namespace and its veths with the
 * records' change (network.ts saves it before answering); the entries leave the journal only once the kernel's
 * removal is confirmed (or the veths deleted here). A service killed meanwhile thus loads a journal that still
 * names them, and load() finishes them (finishAll). The confirmation writes no records of its own: its
 * unjournalling reaches the disk with the next save, and until then a journal on disk that names a finished
 * removal only repeats idempotent work at a start (deleting a namespace that is gone does nothing, a veth not
 * present is skipped; a veth of that name made since would be in a later save, which drops the entry first).
 * A service stop (settle) and `settleRemovals` wait for the confirmations running when called; audits count what
 * is still journalled, in its grace period or being confirmed, as owned, and report a removal that failed.
 */
import type { LinuxNet } from './linuxnet.js';
import { vethName } from './linuxnet-names.js';
import { presentLinks, linksGone } from './network-links.js';
import { RemovalFailures, pendingEntry, type PendingRemoval } from './network-removal-failures.js';
import { REAP_WAIT_MS } from '../protocol.js';

export interface PendingVeth { ep: string; netns?: string; bridge?: string; ip?: string }
/** Rules of a deleted endpoint (tagged with it) in its network's table. */
export interface PendingRules { net: string; ep: string }
export interface Reaping {
  veths: PendingVeth[]; netns: string[]; rules: PendingRules[];
  /**
   * Networks (lower-case ids) whose Linux objects are being made (HcnCreateNetwork, before the network is recorded)
   * or removed (HcnDeleteNetwork, after): a service killed meanwhile removes what of them is left at its next start
   * (network-base.ts, load). Absent in records written before it existed.
   */
  nets?: string[];
}

/** Grace period of a detached endpoint's veth whose namespace is not deleted meanwhile (tests lengthen it). */
const GRACE_MS = Number(process.env.WINCRI_EMU_VETH_GRACE_MS) || 200;

export class VethReaper {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** Deletions running, by veth name. */
  private readonly inflight = new Map<string, Promise<void>>();
  /** Background confirmations of namespace deletions (deleteNamespace), by netns name. */
  private readonly confirming = new Map<string, Promise<void>>();
  /** Removals that failed, by Linux name (reported by settleRemovals until they succeed). */
  private readonly failed = new RemovalFailures();

  constructor(private readonly linux: LinuxNet, private readonly journal: () => Reaping, private readonly save: () => Promise<void>,
    private readonly log: (m: string) => void) {}

  /** Journals a detached endpoint's veth (the caller saves the records); removed later (see above). */
  detached(v: PendingVeth): void {
    const j = this.journal();
    if (!j.veths.some((x) => x.ep === v.ep)) j.veths.push(v);
    this.arm();
  }

  /** Before an attach: removes now every pending veth it could clash with. */
  async beforeAttach(a: { ep: string; netns: string; bridge: string; ip?: string }): Promise<void> {
    const clash = this.journal().veths.filter((v) => vethName(v.ep) === vethName(a.ep) || v.netns === a.netns
      || (!!a.ip && v.ip === a.ip && v.bridge === a.bridge));
    if (clash.length) await this.remove(clash);
  }

  /**
   * HcnDeleteNamespace's Linux part: the namespace is deleted; the removal of the veths inside it is confirmed in
   * the background (confirm). The caller journalled the namespace with the records' change and saves them.
   */
  async deleteNamespace(netns: string): Promise<void> {
    try { await this.linux.deleteNetns(netns); } catch (e) { this.failed.failed(netns, e); throw e; }
    this.failed.succeeded(netns);
    // The namespace is gone: it leaves the journal now (its veths are journalled on their own, finishAll's work).
    const j = this.journal();
    j.netns = j.netns.filter((n) => n !== netns);
    if (this.confirming.has(netns)) return;
    const p = this.confirm(netns).catch((e: Error) => {
      // The veths stay journalled (and reported failed): retried by the sweep and at the next start or stop.
      this.log(`network: removing the veths of namespace ${netns} failed (kept for a retry): ${e.message}`);
      this.arm();
    }).finally(() => this.confirming.delete(netns));
    this.confirming.set(netns, p);
  }

  /** Waits for the kernel to remove the namespace's veths (deleting those left after REAP_WAIT_MS), then unjournals. */
  private async confirm(netns: string): Promise<void> {
    await linksGone(this.journal().veths.filter((v) => v.netns === netns).map((v) => vethName(v.ep)), REAP_WAIT_MS);
    // Still journalled now (not taken by an attach meanwhile, which would have removed the entry first).
    await this.remove(this.journal().veths.filter((v) => v.netns === netns));
  }

  /** Resolves once the confirmations running when called have finished (later ones are not waited for). */
  async settled(): Promise<void> {
    await Promise.all([...this.confirming.values()]);
  }

  /** What is journalled for removal, each with its state (settleRemovals). */
  pending(): PendingRemoval[] {
    const j = this.journal();
    // A veth whose namespace is being deleted (journalled, or its removal being confirmed) is confirming.
    const deleting = (n?: string) => !!n && (this.confirming.has(n) || j.netns.includes(n));
    return [...j.veths.map((v) => pendingEntry(vethName(v.ep), deleting(v.netns), this.failed)),
      ...j.netns.map((n) => pendingEntry(n, true, this.failed))];
  }

  /** Deletes the given pending veths (those still present) and drops them from the journal. */
  private async remove(list: PendingVeth[]): Promise<void> {
    if (!list.length) return;
    const present = presentLinks();
    const results = await Promise.allSettled(list.map((v) => this.removeOne(v.ep, present)));
    const done = list.filter((_, i) => results[i]!.status === 'fulfilled');
    list.forEach((v, i) => { const r = results[i]!; if (r.status === 'fulfilled') this.failed.succeeded(vethName(v.ep)); else this.failed.failed(vethName(v.ep), r.reason); });
    const j = this.journal();
    j.veths = j.veths.filter((v) => !done.includes(v));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** A deleted endpoint's rules: journalled (with the record's removal), removed, dropped from the journal. */
  async removeRules(r: PendingRules): Promise<void> {
    const j = this.journal();
    if (!j.rules.includes(r)) j.rules.push(r);
    await this.linux.removeEndpointRules(r.net, r.ep);
    j.rules = this.journal().rules.filter((x) => x !== r);
  }

  /**
   * One veth's deletion; a deletion of the same name already running is awaited instead, so that no `ip link del`
   * started earlier can still be on its way when a new veth of that name is made.
   */
  private removeOne(ep: string, present: Set<string>): Promise<void> {
    const name = vethName(ep);
    const running = this.inflight.get(name);
    if (running) return running;
    if (!present.has(name)) return Promise.resolve();
    const p = this.linux.removeVeth(ep).finally(() => this.inflight.delete(name));
    this.inflight.set(name, p);
    return p;
  }

  /** Everything journalled is removed now (service start after a kill, service stop). */
  async finishAll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
    const j = this.journal();
    // Each entry on its own: one that fails stays journalled (retried by the sweep and the next start) and is
    // logged; it never keeps the service from starting or stopping.
    const tryTo = (what: string, f: () => Promise<void>) => f().catch((e: Error) => this.log(`network: ${what} failed (kept for a retry): ${e.message}`));
    for (const n of [...j.netns]) await tryTo(`deleting namespace ${n}`, () => this.deleteNamespace(n));
    await this.settled();
    await tryTo('removing detached veths', () => this.remove([...j.veths]));
    for (const r of [...j.rules]) await tryTo(`removing the rules of endpoint ${r.ep}`, () => this.removeRules(r));
    await this.save();
    if (this.journal().veths.length) this.arm();
  }

  /** The grace period's sweep: veths detached at least GRACE_MS ago whose namespace was not deleted meanwhile. */
  private failures = 0;

  /** A sweep that failed is retried later and later (up to a minute), and logged once per streak. */
  private arm(): void {
    if (this.timer) return;
    const batch = [...this.journal().veths];
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const due = this.journal().veths.filter((v) => batch.includes(v));
      this.sweeping = this.remove(due).then(() => { this.failures = 0; }, (e: Error) => {
        if (this.failures++ === 0) this.log(`network: removing detached veths failed (retrying): ${e.message}`);
      }).then(() => this.save()).catch((e: Error) => this.log(`network: saving the records failed: ${e.message}`))
        .finally(() => { this.sweeping = undefined; if (this.journal().veths.length) this.arm(); });
    }, Math.min(60_000, GRACE_MS * 2 ** Math.min(this.failures, 9)));
    this.timer.unref();
  }
}

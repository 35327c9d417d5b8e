/**
 * Leak detection as a pure function: the daemon's records (what owns what) against what the platform holds.
 * A leak is a platform object wincri made that no pod or container owns:
 *   compute system   Owner "wincri" and no container record
 *   HNS namespace    created by wincri (marker under <root>/state/namespaces) and no pod's namespace
 *   credential guard  a gMSA instance wincri added (marker under <root>/state/credential-guard) for a container it
 *                    has no record of
 *   HNS endpoint     named "<64-hex pod id>_<network>" (the CNI convention) for a pod wincri has no record of, or
 *                    attached to a leaked or vanished namespace
 *   Linux objects    (emulator) netns / veth / bridge / vxlan / nft table named wincri-* that no HNS object accounts for,
 *                    of this emulator instance: objects marked by another instance on the same host are not ours to
 *                    judge (unmarked ones, made before marks existed, are)
 * Objects of pods or containers being created right now are never leaks: while any creation is in flight,
 * unreferenced namespaces are reported as undecided instead.
 */
export interface Records {
  sandboxes: { id: string; state: string; namespaceId?: string }[];
  containers: { id: string; sandboxId: string; state: string }[];
  ownedNamespaces: string[];
  /** Container IDs wincri added a credential guard instance for (markers). */
  ownedCredentialGuards?: string[];
  creating: string[];
}

export interface LinuxObjects {
  netns: string[];
  links: { name: string; kind: string }[];
  tables: { family: string; name: string }[];
  /** Emulator instance that marked an object (src/platform/emulator/service/instance.ts), by netns name, link
   *  name or "family table"; unmarked objects (made before marks existed) are absent. */
  owners?: Map<string, string>;
}

export interface PlatformView {
  systems: { id: string }[];
  namespaces: { id: string }[];
  endpoints: { id: string; name: string; namespace?: string }[];
  networks: { id: string }[];
  /** Credential guard instances the compute service holds (container IDs). */
  credentialGuards?: string[];
  /** Emulator only: wincri-* Linux objects, and the Linux names the HNS objects above account for. */
  linux?: {
    objects: LinuxObjects; accounted: Set<string>; instance?: string;
    /** Names the emulator service keeps journalled whose removal keeps failing → why (reported, never owned). */
    failing?: Map<string, string>;
    /** Why the service's pending removals are not known (unaccounted objects are then undecided, not leaks). */
    unsettled?: string;
  };
}

export type LeakKind = 'compute-system' | 'credential-guard' | 'hns-endpoint' | 'hns-namespace' | 'netns' | 'link' | 'nft-table';

export interface Leak { kind: LeakKind; id: string; why: string; detail?: string }

export interface LeakReport { leaks: Leak[]; undecided: string[] }

const POD_ENDPOINT = /^([0-9a-f]{64})_/;

export function findLeaks(rec: Records, view: PlatformView): LeakReport {
  const lc = (s: string) => s.toLowerCase();
  const containers = new Set(rec.containers.map((c) => c.id));
  const pods = new Set(rec.sandboxes.map((s) => s.id));
  const creating = new Set(rec.creating);
  const podNamespaces = new Set(rec.sandboxes.map((s) => s.namespaceId).filter((x): x is string => !!x).map(lc));
  const mine = new Set(rec.ownedNamespaces.map(lc));
  const present = new Set(view.namespaces.map((n) => lc(n.id)));
  const leaks: Leak[] = [];
  const undecided: string[] = [];

  for (const s of view.systems) {
    const vmOf = s.id.endsWith('@vm') ? s.id.slice(0, -3) : undefined; // a Hyper-V pod's utility VM (runtime/hyperv)
    if (vmOf && (pods.has(vmOf) || creating.has(vmOf))) continue;
    if (!containers.has(s.id) && !creating.has(s.id)) leaks.push({ kind: 'compute-system', id: s.id, why: 'Owner wincri, no container record' });
  }
  const guarded = new Set(rec.ownedCredentialGuards ?? []);
  for (const id of view.credentialGuards ?? []) {
    if (guarded.has(id) && !containers.has(id) && !creating.has(id)) leaks.push({ kind: 'credential-guard', id, why: 'gMSA instance wincri added, no container record' });
  }
  const leakedNs = new Set<string>();
  for (const n of view.namespaces) {
    const id = lc(n.id);
    if (!mine.has(id) || podNamespaces.has(id)) continue;
    if (creating.size > 0) { undecided.push(`HNS namespace ${n.id}: created by wincri, no pod yet, but a pod is being created`); continue; }
    leakedNs.add(id);
    leaks.push({ kind: 'hns-namespace', id: n.id, why: 'created by wincri, no pod uses it' });
  }
  for (const e of view.endpoints) {
    const pod = POD_ENDPOINT.exec(e.name)?.[1];
    const ns = e.namespace ? lc(e.namespace) : undefined;
    let why: string | undefined;
    if (pod && !pods.has(pod) && !creating.has(pod)) why = `CNI endpoint of pod ${pod.slice(0, 13)}, which wincri has no record of`;
    else if (ns && leakedNs.has(ns)) why = `attached to leaked namespace ${e.namespace}`;
    else if (ns && pod && !present.has(ns)) why = `attached to namespace ${e.namespace}, which no longer exists`;
    if (why) leaks.push({ kind: 'hns-endpoint', id: e.id, why, detail: e.name });
  }
  if (view.linux) {
    const { objects, accounted, instance, failing, unsettled } = view.linux;
    const other = (key: string) => { const o = objects.owners?.get(key); return !!instance && !!o && o !== instance; };
    if (unsettled) undecided.push(`emulator removals not settled (${unsettled}): unaccounted Linux objects are undecided`);
    const report = (l: Leak) => {
      const failed = failing?.get(l.id);
      if (failed) leaks.push({ ...l, why: failed });
      else if (unsettled) undecided.push(`${l.kind} ${l.id}: ${l.why}, but the service's pending removals are not known`);
      else leaks.push(l);
    };
    for (const n of objects.netns) if (!accounted.has(n) && !other(n)) report({ kind: 'netns', id: n, why: 'no HNS namespace accounts for it' });
    for (const l of objects.links) if (!accounted.has(l.name) && !other(l.name)) report({ kind: 'link', id: l.name, why: `${l.kind || 'link'} no HNS endpoint or network accounts for`, detail: l.kind });
    for (const t of objects.tables) if (!accounted.has(t.name) && !other(`${t.family} ${t.name}`)) report({ kind: 'nft-table', id: `${t.family} ${t.name}`, why: 'no HNS network accounts for it' });
  }
  return { leaks, undecided };
}

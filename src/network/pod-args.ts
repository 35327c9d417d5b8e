/** What CNI is told about a pod: CNI_ARGS as kubelet-era runtimes pass them, and the capability arguments (`runtimeConfig`: port mappings, DNS, IP ranges, bandwidth, annotations). */

/** One pod as the network layer sees it (the runtime's PodNetwork port uses this type). */
export interface PodNetworkRequest {
  sandboxId: string;
  /** HNS namespace GUID; '' when the namespace is already gone. */
  namespaceId: string;
  pod: { name: string; namespace: string; uid: string };
  portMappings: { protocol: string; containerPort: number; hostPort: number; hostIp: string }[];
  dns?: { servers: string[]; searches: string[]; options: string[] };
  annotations: Record<string, string>;
  /**
   * ADD only: settles once the namespace exists, when the caller creates it while set-up starts (the attachment's
   * first record is written meanwhile; no plugin runs before). Rejected: set-up drops that record and rejects with it.
   */
  namespaceReady?: Promise<unknown>;
}

/** What set-up answers: the pod's addresses, and the write of the attachment's result (see PodNetwork.setUp). */
export interface PodNetworkAttachment {
  ips: string[];
  /** Settles once the result is on disk; a caller may overlap it with its own record but awaits it. */
  recorded?: Promise<void>;
}

/** CNI_ARGS as kubelet-era runtimes pass them. */
export function cniArgs(req: PodNetworkRequest): string {
  return [
    'IgnoreUnknown=1', `K8S_POD_NAMESPACE=${req.pod.namespace}`, `K8S_POD_NAME=${req.pod.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${req.sandboxId}`, `K8S_POD_UID=${req.pod.uid}`,
  ].join(';');
}

/** Every capability argument the pod has; each plugin is given the ones it declares. */
export function runtimeConfig(req: PodNetworkRequest, podCidrs: string[]): Record<string, unknown> {
  const rc: Record<string, unknown> = {};
  const pm = req.portMappings.filter((p) => p.hostPort > 0).map((p) => ({
    hostPort: p.hostPort, containerPort: p.containerPort, protocol: protocolName(p.protocol), hostIP: p.hostIp ?? '',
  }));
  if (pm.length > 0) rc.portMappings = pm;
  if (req.dns) rc.dns = { servers: req.dns.servers, searches: req.dns.searches, options: req.dns.options };
  if (podCidrs.length > 0) rc.ipRanges = podCidrs.map((c) => [{ subnet: c }]);
  const ing = req.annotations['kubernetes.io/ingress-bandwidth'];
  const eg = req.annotations['kubernetes.io/egress-bandwidth'];
  if (ing || eg) {
    const bw: Record<string, number> = {};
    const i = ing ? parseQuantity(ing) : undefined;
    const e = eg ? parseQuantity(eg) : undefined;
    if (i !== undefined) { bw.ingressRate = i; bw.ingressBurst = 2147483647; }
    if (e !== undefined) { bw.egressRate = e; bw.egressBurst = 2147483647; }
    if (Object.keys(bw).length > 0) rc.bandwidth = bw;
  }
  rc['io.kubernetes.cri.pod-annotations'] = req.annotations;
  return rc;
}

/** Parses a Kubernetes quantity ("10M", "1Gi", "500k") to a number; undefined when malformed. */
export function parseQuantity(q: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([kMGTPE]i?|m)?$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const s = m[2] ?? '';
  const dec: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  const bin: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Math.round(n * (dec[s] ?? bin[s] ?? 1));
}

function protocolName(p: string): string {
  const s = p.toLowerCase();
  return s === 'udp' || s === 'sctp' ? s : 'tcp';
}

/**
 * The per-pod steps of the emulator's Linux networking (./linuxnet.ts): a pod's network namespace, an endpoint's
 * veth into it, a link's removal. Two implementations: over rtnetlink, no process (./netlink-link.ts), and with
 * `ip` processes (./linuxnet-pod-ip.ts), its fallback.
 */

/** An endpoint's veth: host side `host` up in `bridge`, peer `peer` in namespace `netns`, configured there. */
export interface VethSpec {
  host: string; peer: string; netns: string; bridge: string; mac?: string;
  /** The instance mark of the host side (./instance.ts), when marked. */
  alias?: string;
  ip?: string; prefix?: number; routes: { dst: string; via?: string }[];
}

export interface PodSteps {
  /** `ip netns add NAME` with lo up (and the mark as lo's alias); nothing stays when it fails. */
  createNetns(name: string, alias?: string): Promise<void>;
  /** `ip netns delete NAME`; absent: nothing to do. */
  deleteNetns(name: string): Promise<void>;
  /** Makes and configures the veth; a failure after the veth was made removes it. */
  attachVeth(v: VethSpec): Promise<void>;
  /** `ip link del NAME`: true when it is gone (now, or already); false or a LinuxNetError when it could not go. */
  delLink(name: string): Promise<boolean>;
}

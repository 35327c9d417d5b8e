import type { PodNetwork } from '../../src/runtime/ports.js';

/**
 * A pod network that always sets up 10.9.0.2 (no HNS endpoint) and records, in `torn`, the namespace of every
 * tear-down; like the CNI cache it keeps the pods it set up until their tear-down (attachedPods).
 */
export function recordingNetwork(torn: string[]): PodNetwork {
  const attached = new Set<string>();
  return {
    status: async () => ({ ready: true, reason: '', message: '' }),
    async setUp(req) { await req.namespaceReady; attached.add(req.sandboxId); return { ips: ['10.9.0.2'], recorded: Promise.resolve() }; },
    async tearDown(req) { torn.push(req.namespaceId); attached.delete(req.sandboxId); },
    async check() {},
    async attachedPods() { return [...attached]; },
    async gc() {},
    async setPodCidr() {},
  };
}

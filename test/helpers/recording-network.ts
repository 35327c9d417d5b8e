import type { PodNetwork } from '../../src/runtime/ports.js';

/** A pod network that always sets up 10.9.0.2 and records, in `torn`, the namespace of every tear-down. */
export function recordingNetwork(torn: string[]): PodNetwork {
  return {
    status: async () => ({ ready: true, reason: '', message: '' }),
    async setUp(req) { await req.namespaceReady; return { ips: ['10.9.0.2'], recorded: Promise.resolve() }; },
    async tearDown(req) { torn.push(req.namespaceId); },
    async check() {},
    async gc() {},
    async setPodCidr() {},
  };
}

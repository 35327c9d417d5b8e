/**
 * Garbage collection of pod network attachments (after a restart): DEL, from the cache, of every attachment whose
 * pod is gone — with the configuration and result it was added with, or only its configuration when a crash
 * interrupted the ADD — then CNI GC (≥ 1.1.0) with the attachments still valid.
 */
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { networkListFromSource, type NetworkList } from './config.js';
import { atLeast } from './version.js';
import type { AttachmentCache } from './attachment-cache.js';
import type { PluginChain } from './plugin-chain.js';

const log = logger('network');

export interface GcParts {
  cache: AttachmentCache;
  plugins: PluginChain;
  ifName: string;
  /** The current network configuration, if a valid one exists. */
  network(): Promise<NetworkList | undefined>;
}

export async function collectGarbage(p: GcParts, validSandboxIds: string[]): Promise<void> {
  const valid = new Set(validSandboxIds);
  for (const id of await p.cache.list()) {
    if (valid.has(id)) continue;
    const rec = await p.cache.read(id);
    if (!rec) continue;
    log.warn('removing the network attachment of a pod that no longer exists', { sandbox: id });
    try {
      await p.plugins.del(networkListFromSource(rec.network), rec, rec.result);
      await p.cache.drop(id);
    } catch (e) {
      log.error('CNI DEL of a stale attachment failed', { sandbox: id, error: errorMessage(e) });
    }
  }
  const net = await p.network();
  if (!net || !atLeast(net.cniVersion, '1.1.0') || net.disableGC) return;
  const attachments = (await p.cache.list()).filter((id) => valid.has(id)).map((id) => ({ containerID: id, ifname: p.ifName }));
  try {
    await p.plugins.runChain(net, 'GC', { 'cni.dev/valid-attachments': attachments });
  } catch (e) {
    log.warn('CNI GC failed', { network: net.name, error: errorMessage(e) });
  }
}

/**
 * Inputs of the leak audit: the daemon's records (admin Inventory RPC; when the daemon is down, its state
 * directory, which it writes through before acting) and the platform's objects (opened like the daemon does).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/config.js';
import type { Platform, PendingRemoval } from '../../platform/types.js';
import type { InventoryResponse } from '../../daemon/admin.js';
import { OWNER } from '../../runtime/runtime.js';
import { DaemonClient } from '../client.js';
import { CREDENTIAL_GUARD_QUERY, credentialGuardInstanceIds } from '../../platform/hcs/document/index.js';
import { accountedNames, linuxNetworkingHere, listLinuxObjects } from './linux-objects.js';
import type { PlatformView, Records } from './leaks.js';
import { instanceId } from '../../platform/emulator/service/instance.js';
import { REAP_WAIT_MS } from '../../platform/emulator/protocol.js';

function readJsonDir<T>(dir: string): T[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).flatMap((n) => {
    try { return [JSON.parse(readFileSync(join(dir, n), 'utf8')) as T]; } catch { return []; }
  });
}

export function recordsFromStateDir(root: string): Records {
  const state = join(root, 'state');
  return {
    sandboxes: readJsonDir<Records['sandboxes'][number]>(join(state, 'sandboxes')).map((s) => ({ id: s.id, state: s.state, namespaceId: s.namespaceId })),
    containers: readJsonDir<Records['containers'][number]>(join(state, 'containers')).map((c) => ({ id: c.id, sandboxId: c.sandboxId, state: c.state })),
    ownedNamespaces: (() => { try { return readdirSync(join(state, 'namespaces')).map((f) => f.replace(/\.json$/, '')); } catch { return []; } })(),
    ownedCredentialGuards: (() => { try { return readdirSync(join(state, 'credential-guard')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)); } catch { return []; } })(),
    creating: [],
  };
}

/** Records from the running daemon, else from the state dir; `source` says which. */
export async function loadRecords(cfg: Config): Promise<{ records: Records; source: string }> {
  const c = new DaemonClient(cfg.endpoint);
  try {
    return { records: await c.call<InventoryResponse>('admin', 'Inventory', {}, 10_000), source: `daemon at ${cfg.endpoint}` };
  } catch {
    return { records: recordsFromStateDir(cfg.root), source: `state directory ${join(cfg.root, 'state')} (daemon not reachable)` };
  } finally {
    c.close();
  }
}

export async function platformView(cfg: Config, platform: Platform): Promise<PlatformView> {
  const [systems, namespaces, endpoints, networks, guards] = await Promise.all([
    platform.compute.enumerateComputeSystems({ Owners: [OWNER] }),
    platform.network.enumerateNamespaces(),
    platform.network.enumerateEndpoints(),
    platform.network.enumerateNetworks(),
    platform.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY).then(credentialGuardInstanceIds, () => undefined),
  ]);
  const view: PlatformView = {
    systems: systems.filter((s) => s.Id && (s.Owner === undefined || s.Owner === OWNER)).map((s) => ({ id: s.Id! })),
    namespaces: namespaces.filter((n) => n.ID).map((n) => ({ id: n.ID! })),
    endpoints: endpoints.filter((e) => e.ID).map((e) => ({ id: e.ID!, name: e.Name ?? '', namespace: e.HostComputeNamespace || undefined })),
    networks: networks.filter((n) => n.ID).map((n) => ({ id: n.ID! })),
    credentialGuards: guards,
  };
  if (cfg.backend === 'emulator' && linuxNetworkingHere()) {
    // Removals the service is confirming or keeps in their grace period are its own, not leaks; a removal that
    // keeps failing is reported with its error. When the service cannot say (died, too old, too slow), unaccounted
    // objects are undecided.
    const settled = await pendingRemovals(platform);
    const accounted = accountedNames(view);
    const failing = new Map<string, string>();
    for (const r of settled.pending) {
      if (r.state === 'failed') failing.set(r.name, `removal failing (${r.failures}×): ${r.lastError ?? 'unknown error'}`);
      else accounted.add(r.name);
    }
    view.linux = { objects: listLinuxObjects(), accounted, failing, unsettled: settled.unsettled, instance: instanceId(cfg.emulator.stateDir) };
  }
  return view;
}

/** How long the audit waits for the service's removals to settle (a few confirmations' worth). */
const SETTLE_TIMEOUT_MS = Math.max(6 * REAP_WAIT_MS, 3_000);

/** The service's journalled removals, or why they are not known (it died, is too old to answer, or took too long). */
export async function pendingRemovals(platform: Pick<Platform, 'network'>, timeoutMs = SETTLE_TIMEOUT_MS): Promise<{ pending: PendingRemoval[]; unsettled?: string }> {
  if (!platform.network.settleRemovals) return { pending: [], unsettled: 'the platform cannot say which removals it owns' };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); });
  try {
    return { pending: await Promise.race([platform.network.settleRemovals(), timeout]) };
  } catch (e) {
    return { pending: [], unsettled: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pod networking through CNI, the way a CRI runtime drives it (containerd + libcni; reference/hns-cni.md §3.1):
 *  - ADD runs the configuration's plugin chain in order, each plugin getting the previous one's result as
 *    `prevResult`, with CNI_NETNS = the pod's HNS namespace GUID and CNI_IFNAME = eth0; capability arguments
 *    (`runtimeConfig`) are passed only for capabilities the plugin declares.
 *  - The configuration and the result are cached on disk per pod (crash-safe) before and after ADD, so DEL runs
 *    with what ADD used (prevResult = the cached result) even when the configuration changed meanwhile.
 *  - A failed ADD is undone with DEL before the error is returned; DEL is idempotent.
 *  - Before a plugin is first used its VERSION is asked and the configuration's cniVersion must be supported.
 *  - CHECK (≥ 0.4.0), STATUS and GC (≥ 1.1.0) are used where the configuration's version has them.
 * This file holds the pod operations; the plugin chain (plugin-chain.ts), the attachment cache
 * (attachment-cache.ts), its garbage collection (cni-gc.ts), what a pod passes to CNI (pod-args.ts), the pod-CIDR template (pod-cidr.ts) and the
 * mapping of failures to RPC errors (cni-cause.ts) have files of their own.
 */
import { logger } from '../util/log.js';
import { RuntimeError, errorMessage } from '../errors.js';
import { ConfDirLoader, networkListFromSource, type LoadedConfig, type NetworkList } from './config.js';
import { CniError, locatePlugin, type LocatedPlugin } from './invoke.js';
import type { InProcessPlugin } from './in-process.js';
import { asRuntimeError } from './cni-cause.js';
import { atLeast, podIpsOf } from './version.js';
import { cniArgs, runtimeConfig, type PodNetworkRequest, type PodNetworkAttachment } from './pod-args.js';
import { AttachmentCache, type CacheRecord } from './attachment-cache.js';
import { PluginChain } from './plugin-chain.js';
import { writePodCidrConf } from './pod-cidr.js';
import { collectGarbage } from './cni-gc.js';

const log = logger('network');

export const NETWORK_NOT_READY = 'NetworkPluginNotReady';

export interface CniOptions {
  confDir: string;
  binDirs: string[];
  /** Per plugin call. */
  timeoutSeconds: number;
  /** Where per-pod results are cached. */
  cacheDir: string;
  /** Template file rendered into the conf dir when the pod CIDR is set ('' = none). */
  podCidrTemplate?: string;
  /** Extra environment for plugins (e.g. WINCRI_EMULATOR_STATE_DIR on the emulator). */
  env?: Record<string, string>;
  /** Used while confDir holds no configuration file (./default-network.ts); never written anywhere. */
  defaultNetwork?: NetworkList;
  ifName?: string;
  /** Runs wincri's own plugin in this process (./in-process.ts); other plugins are always executed. */
  inProcess?: InProcessPlugin;
  /**
   * Told which network a pod operation used (its metrics label): ADD the configuration it read, DEL and CHECK the
   * one cached with the attachment (the current configuration for a DEL without one); undefined: none.
   */
  onNetwork?: (req: PodNetworkRequest, network: NetworkList | undefined) => void;
}

export interface PodNetworkStatus { ready: boolean; reason: string; message: string }

export class CniManager {
  private readonly loader: ConfDirLoader;
  private readonly plugins: PluginChain;
  private readonly cache: AttachmentCache;
  private podCidrs: string[] = [];
  private readonly ifName: string;
  /** The GC in progress: ADD and DEL wait for it, so GC's list of valid attachments never misses a new pod. */
  private gcDone: Promise<void> = Promise.resolve();

  constructor(private readonly o: CniOptions) {
    this.loader = new ConfDirLoader(o.confDir);
    this.plugins = new PluginChain(o);
    this.cache = new AttachmentCache(o.cacheDir);
    this.ifName = o.ifName ?? 'eth0';
  }

  /** The current network configuration, if a valid one exists. */
  async currentNetwork(): Promise<NetworkList | undefined> { return (await this.load()).network; }

  /**
   * The network the last configuration read found (the default one while the dir is empty), without file access;
   * undefined while nothing was read yet.
   */
  lastNetwork(): NetworkList | undefined {
    const c = this.loader.current;
    if (!c) return undefined;
    return c.network ?? (c.empty ? this.o.defaultNetwork : undefined);
  }

  /** The conf dir's network; the built-in default network while the dir holds no configuration file. */
  private async load(): Promise<LoadedConfig> {
    const loaded = await this.loader.load();
    const fallback = this.o.defaultNetwork;
    if (loaded.network || !loaded.empty || !fallback) return loaded;
    if (!this.announced) {
      this.announced = true;
      log.info('no CNI configuration in the conf dir; pods use the built-in default network until one is written', { confDir: this.o.confDir, network: fallback.name, subnet: String(fallback.plugins[0]?.subnet ?? '') });
    }
    return { network: fallback, problems: [], empty: true };
  }
  private announced = false;

  async status(): Promise<PodNetworkStatus> {
    const loaded = await this.load();
    const net = loaded.network;
    if (!net) {
      return { ready: false, reason: NETWORK_NOT_READY, message: `cni config uninitialized: ${loaded.problems.join('; ') || 'no valid network config'}` };
    }
    const found: LocatedPlugin[] = [];
    for (const p of net.plugins) {
      const f = await locatePlugin(p.type, this.o.binDirs);
      if (!f) {
        return { ready: false, reason: NETWORK_NOT_READY, message: `cni plugin "${p.type}" of network "${net.name}" not found in ${this.o.binDirs.join(', ')}` };
      }
      found.push(f);
    }
    if (atLeast(net.cniVersion, '1.1.0')) {
      try {
        await this.plugins.runChain(net, 'STATUS', {}, found);
      } catch (e) {
        return { ready: false, reason: NETWORK_NOT_READY, message: `network "${net.name}" is not ready: ${errorMessage(e)}` };
      }
    }
    return { ready: true, reason: '', message: '' };
  }

  /**
   * The first record is on disk before any plugin runs (a crash mid-ADD leaves what DEL needs); it is written while
   * the caller creates the namespace (req.namespaceReady). The result's record is handed back in flight
   * (`recorded`): the caller overlaps it with the pod's own record and answers only once both are on disk.
   */
  async setUp(req: PodNetworkRequest): Promise<PodNetworkAttachment> {
    req.namespaceReady?.catch(() => undefined); // awaited below, once the first record is written
    await this.gcDone;
    const loaded = await this.load();
    const net = loaded.network;
    this.o.onNetwork?.(req, net);
    if (!net) throw new RuntimeError('Unavailable', `network plugin not ready: cni config uninitialized (${loaded.problems.join('; ')})`);
    const found = [];
    for (const p of net.plugins) found.push(await this.plugins.negotiate(net, p));
    const rec = this.record(req, net);
    await this.cache.save(rec);
    await req.namespaceReady?.catch(async (e) => {
      await this.cache.drop(req.sandboxId).catch((de) => log.warn('dropping the record of an attachment never added failed; GC removes it', { sandbox: req.sandboxId, error: errorMessage(de) }));
      throw e;
    });
    let prev: unknown;
    try {
      for (const [i, p] of net.plugins.entries()) {
        prev = await this.plugins.invoke(net, p, 'ADD', rec, prev, found[i]);
      }
      const ips = podIpsOf(prev, this.ifName).ips;
      if (ips.length === 0) throw new CniError(999, `the result of network "${net.name}" has no IP address for ${this.ifName}`, JSON.stringify(prev), net.plugins.at(-1)!.type, 'ADD');
      rec.state = 'added';
      rec.result = prev;
      const recorded = this.cache.save(rec).catch((e) => { throw asRuntimeError(e, 'failed to record the pod network attachment'); });
      recorded.catch(() => undefined); // the caller awaits it
      log.info('pod network attached', { sandbox: req.sandboxId, network: net.name, ips });
      return { ips, recorded };
    } catch (e) {
      log.warn('CNI ADD failed; removing what it created', { sandbox: req.sandboxId, error: errorMessage(e) });
      try {
        await this.plugins.del(net, rec, prev);
        await this.cache.drop(req.sandboxId);
      } catch (de) {
        log.error('CNI DEL after a failed ADD failed; the cache entry is kept for a later DEL', { sandbox: req.sandboxId, error: errorMessage(de) });
      }
      throw asRuntimeError(e, 'failed to set up pod network');
    }
  }

  async tearDown(req: PodNetworkRequest): Promise<void> {
    await this.gcDone;
    const rec = await this.cache.read(req.sandboxId);
    if (rec) {
      const net = networkListFromSource(rec.network);
      this.o.onNetwork?.(req, net);
      rec.netns = req.namespaceId;
      try {
        await this.plugins.del(net, rec, rec.result);
      } catch (e) {
        throw asRuntimeError(e, 'failed to tear down pod network');
      }
      await this.cache.drop(req.sandboxId);
      log.info('pod network detached', { sandbox: req.sandboxId, network: net.name });
      return;
    }
    // Nothing recorded (ADD never finished, or DEL already ran): DEL with the current configuration, best effort.
    const net = await this.currentNetwork();
    this.o.onNetwork?.(req, net);
    if (!net) return;
    await this.plugins.del(net, this.record(req, net), undefined).catch((e) => log.debug('best-effort CNI DEL failed', { sandbox: req.sandboxId, error: errorMessage(e) }));
  }

  async check(req: PodNetworkRequest): Promise<void> {
    const rec = await this.cache.read(req.sandboxId);
    const net = rec ? networkListFromSource(rec.network) : undefined;
    this.o.onNetwork?.(req, net);
    if (!rec || !net) throw new RuntimeError('NotFound', `pod ${req.sandboxId} has no network attachment`);
    if (rec.state === 'adding') {
      // A ready pod whose result record never replaced the first one (a crash between the two renames): attached,
      // its result unknown, so there is nothing to CHECK against. DEL at its teardown runs from this record.
      log.info('pod network attached without a recorded result; CHECK skipped', { sandbox: req.sandboxId, network: net.name });
      return;
    }
    if (!atLeast(net.cniVersion, '0.4.0') || net.disableCheck) return;
    rec.netns = req.namespaceId;
    try {
      for (const p of net.plugins) await this.plugins.invoke(net, p, 'CHECK', rec, rec.result);
    } catch (e) {
      throw asRuntimeError(e, 'pod network check failed');
    }
  }

  /**
   * The sandboxes with an attachment record (written before ADD, dropped after DEL); undefined when the cache
   * directory is missing; rejects when it cannot be read (attachment-cache.ts recorded).
   */
  attachedPods(): Promise<string[] | undefined> { return this.cache.recorded(); }

  /** DEL of cached attachments whose pod is gone, then CNI GC; ADD/DEL issued meanwhile wait for it. */
  gc(validSandboxIds: string[]): Promise<void> {
    const run = this.gcDone.then(() => collectGarbage({ cache: this.cache, plugins: this.plugins, ifName: this.ifName, network: () => this.currentNetwork() }, validSandboxIds));
    this.gcDone = run.catch(() => undefined);
    return run;
  }

  async setPodCidr(cidr: string): Promise<void> {
    const cidrs = cidr.split(',').map((c) => c.trim()).filter(Boolean);
    this.podCidrs = cidrs;
    if (!this.o.podCidrTemplate || cidrs.length === 0) return;
    await writePodCidrConf(this.o.confDir, this.o.podCidrTemplate, cidrs);
  }

  /** The attachment record of a pod about to be added (or deleted without one). */
  private record(req: PodNetworkRequest, net: NetworkList): CacheRecord {
    return {
      sandboxId: req.sandboxId, ifName: this.ifName, netns: req.namespaceId, args: cniArgs(req),
      runtimeConfig: runtimeConfig(req, this.podCidrs), network: net.source, state: 'adding',
    };
  }
}

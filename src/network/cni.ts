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
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { logger } from '../util/log.js';
import { RuntimeError, errorMessage } from '../errors.js';
import { ConfDirLoader, networkListFromSource, type LoadedConfig, type NetworkList, type PluginConf } from './config.js';
import { CniError, findPlugin, type CniCommand, type InvokeArgs } from './invoke.js';
import { runPlugin, type InProcessPlugin } from './in-process.js';
import { platformCause } from './cni-cause.js';
import { atLeast, podIpsOf } from './version.js';

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
}

interface CacheRecord {
  sandboxId: string;
  ifName: string;
  netns: string;
  args: string;
  runtimeConfig: Record<string, unknown>;
  network: string;
  state: 'adding' | 'added';
  result?: unknown;
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

/** One pod as the network layer sees it (the runtime's PodNetwork port uses this type). */
export interface PodNetworkRequest {
  sandboxId: string;
  /** HNS namespace GUID; '' when the namespace is already gone. */
  namespaceId: string;
  pod: { name: string; namespace: string; uid: string };
  portMappings: { protocol: string; containerPort: number; hostPort: number; hostIp: string }[];
  dns?: { servers: string[]; searches: string[]; options: string[] };
  annotations: Record<string, string>;
}

export interface PodNetworkStatus { ready: boolean; reason: string; message: string }

export class CniManager {
  private readonly loader: ConfDirLoader;
  private readonly versions = new Map<string, { key: string; supported: string[] }>();
  private podCidrs: string[] = [];
  private readonly ifName: string;
  /** The GC in progress: ADD and DEL wait for it, so GC's list of valid attachments never misses a new pod. */
  private gcDone: Promise<void> = Promise.resolve();

  constructor(private readonly o: CniOptions) {
    this.loader = new ConfDirLoader(o.confDir);
    this.ifName = o.ifName ?? 'eth0';
  }

  private execPlugin(file: string, stdin: unknown, a: InvokeArgs, plugin?: string): Promise<unknown> { return runPlugin(this.o.inProcess, file, stdin, a, plugin); }

  private get timeoutMs(): number { return Math.max(1, this.o.timeoutSeconds) * 1000; }

  /** The current network configuration, if a valid one exists. */
  async currentNetwork(): Promise<NetworkList | undefined> { return (await this.load()).network; }

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
    for (const p of net.plugins) {
      if (!(await findPlugin(p.type, this.o.binDirs))) {
        return { ready: false, reason: NETWORK_NOT_READY, message: `cni plugin "${p.type}" of network "${net.name}" not found in ${this.o.binDirs.join(', ')}` };
      }
    }
    if (atLeast(net.cniVersion, '1.1.0')) {
      try {
        await this.runChain(net, 'STATUS', {});
      } catch (e) {
        return { ready: false, reason: NETWORK_NOT_READY, message: `network "${net.name}" is not ready: ${errorMessage(e)}` };
      }
    }
    return { ready: true, reason: '', message: '' };
  }

  async setUp(req: PodNetworkRequest): Promise<{ ips: string[] }> {
    await this.gcDone;
    const loaded = await this.load();
    const net = loaded.network;
    if (!net) throw new RuntimeError('Unavailable', `network plugin not ready: cni config uninitialized (${loaded.problems.join('; ')})`);
    for (const p of net.plugins) await this.negotiate(net, p);
    const rec: CacheRecord = {
      sandboxId: req.sandboxId, ifName: this.ifName, netns: req.namespaceId, args: cniArgs(req),
      runtimeConfig: this.runtimeConfig(req), network: net.source, state: 'adding',
    };
    await this.saveCache(rec);
    let prev: unknown;
    try {
      for (const p of net.plugins) {
        prev = await this.invoke(net, p, 'ADD', rec, prev);
      }
      const ips = podIpsOf(prev, this.ifName).ips;
      if (ips.length === 0) throw new CniError(999, `the result of network "${net.name}" has no IP address for ${this.ifName}`, JSON.stringify(prev), net.plugins.at(-1)!.type, 'ADD');
      rec.state = 'added';
      rec.result = prev;
      await this.saveCache(rec);
      log.info('pod network attached', { sandbox: req.sandboxId, network: net.name, ips });
      return { ips };
    } catch (e) {
      log.warn('CNI ADD failed; removing what it created', { sandbox: req.sandboxId, error: errorMessage(e) });
      try {
        await this.del(net, rec, prev);
        await this.dropCache(req.sandboxId);
      } catch (de) {
        log.error('CNI DEL after a failed ADD failed; the cache entry is kept for a later DEL', { sandbox: req.sandboxId, error: errorMessage(de) });
      }
      throw asRuntimeError(e, 'failed to set up pod network');
    }
  }

  async tearDown(req: PodNetworkRequest): Promise<void> {
    await this.gcDone;
    const rec = await this.readCache(req.sandboxId);
    if (rec) {
      const net = networkListFromSource(rec.network);
      rec.netns = req.namespaceId;
      try {
        await this.del(net, rec, rec.result);
      } catch (e) {
        throw asRuntimeError(e, 'failed to tear down pod network');
      }
      await this.dropCache(req.sandboxId);
      log.info('pod network detached', { sandbox: req.sandboxId, network: net.name });
      return;
    }
    // Nothing recorded (ADD never finished, or DEL already ran): DEL with the current configuration, best effort.
    const net = await this.currentNetwork();
    if (!net) return;
    const fresh: CacheRecord = {
      sandboxId: req.sandboxId, ifName: this.ifName, netns: req.namespaceId, args: cniArgs(req),
      runtimeConfig: this.runtimeConfig(req), network: net.source, state: 'adding',
    };
    await this.del(net, fresh, undefined).catch((e) => log.debug('best-effort CNI DEL failed', { sandbox: req.sandboxId, error: errorMessage(e) }));
  }

  async check(req: PodNetworkRequest): Promise<void> {
    const rec = await this.readCache(req.sandboxId);
    if (!rec || rec.state !== 'added') throw new RuntimeError('NotFound', `pod ${req.sandboxId} has no network attachment`);
    const net = networkListFromSource(rec.network);
    if (!atLeast(net.cniVersion, '0.4.0') || net.disableCheck) return;
    rec.netns = req.namespaceId;
    try {
      for (const p of net.plugins) await this.invoke(net, p, 'CHECK', rec, rec.result);
    } catch (e) {
      throw asRuntimeError(e, 'pod network check failed');
    }
  }

  /** DEL of cached attachments whose pod is gone, then CNI GC; ADD/DEL issued meanwhile wait for it. */
  gc(validSandboxIds: string[]): Promise<void> {
    const run = this.gcDone.then(() => this.runGc(validSandboxIds));
    this.gcDone = run.catch(() => undefined);
    return run;
  }

  private async runGc(validSandboxIds: string[]): Promise<void> {
    const valid = new Set(validSandboxIds);
    const cached = await this.listCache();
    for (const id of cached) {
      if (valid.has(id)) continue;
      const rec = await this.readCache(id);
      if (!rec) continue;
      log.warn('removing the network attachment of a pod that no longer exists', { sandbox: id });
      try {
        await this.del(networkListFromSource(rec.network), rec, rec.result);
        await this.dropCache(id);
      } catch (e) {
        log.error('CNI DEL of a stale attachment failed', { sandbox: id, error: errorMessage(e) });
      }
    }
    const net = await this.currentNetwork();
    if (!net || !atLeast(net.cniVersion, '1.1.0') || net.disableGC) return;
    const attachments = (await this.listCache()).filter((id) => valid.has(id)).map((id) => ({ containerID: id, ifname: this.ifName }));
    try {
      await this.runChain(net, 'GC', { 'cni.dev/valid-attachments': attachments });
    } catch (e) {
      log.warn('CNI GC failed', { network: net.name, error: errorMessage(e) });
    }
  }

  async setPodCidr(cidr: string): Promise<void> {
    const cidrs = cidr.split(',').map((c) => c.trim()).filter(Boolean);
    this.podCidrs = cidrs;
    if (!this.o.podCidrTemplate || cidrs.length === 0) return;
    const tpl = await readFile(this.o.podCidrTemplate, 'utf8');
    const text = renderTemplate(tpl, cidrs);
    const isList = /"plugins"\s*:/.test(text);
    const file = join(this.o.confDir, `10-wincri-net.${isList ? 'conflist' : 'conf'}`);
    const old = await readFile(file, 'utf8').catch(() => undefined);
    if (old === text) return;
    await writeFileAtomic(file, text, 0o644);
    log.info('rendered CNI configuration from the template', { file, podCidr: cidrs.join(',') });
  }

  // ─────────────────────────── internals ───────────────────────────

  private runtimeConfig(req: PodNetworkRequest): Record<string, unknown> {
    const rc: Record<string, unknown> = {};
    const pm = req.portMappings.filter((p) => p.hostPort > 0).map((p) => ({
      hostPort: p.hostPort, containerPort: p.containerPort, protocol: protocolName(p.protocol), hostIP: p.hostIp ?? '',
    }));
    if (pm.length > 0) rc.portMappings = pm;
    if (req.dns) rc.dns = { servers: req.dns.servers, searches: req.dns.searches, options: req.dns.options };
    if (this.podCidrs.length > 0) rc.ipRanges = this.podCidrs.map((c) => [{ subnet: c }]);
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

  /** VERSION once per plugin binary (and again when the binary changes); the conf's version must be supported. */
  private async negotiate(net: NetworkList, p: PluginConf): Promise<void> {
    const file = await this.pluginFile(p);
    let key = file;
    try { const s = await stat(file); key = `${file}:${s.size}:${s.mtimeMs}`; } catch { /* raced */ }
    let v = this.versions.get(file);
    if (!v || v.key !== key) {
      const out = await this.execPlugin(file, { cniVersion: net.cniVersion }, { command: 'VERSION', path: this.o.binDirs, env: this.o.env, timeoutMs: this.timeoutMs }, p.type);
      const sv = (out as { supportedVersions?: unknown } | null)?.supportedVersions;
      v = { key, supported: Array.isArray(sv) ? sv.filter((x): x is string => typeof x === 'string') : ['0.1.0', '0.2.0'] };
      this.versions.set(file, v);
    }
    if (!v.supported.includes(net.cniVersion)) {
      throw new RuntimeError('FailedPrecondition', `incompatible CNI versions: network "${net.name}" uses ${net.cniVersion}, plugin "${p.type}" supports ${v.supported.join(', ')}`);
    }
  }

  private async pluginFile(p: PluginConf): Promise<string> {
    const file = await findPlugin(p.type, this.o.binDirs);
    if (!file) throw new CniError(5, `failed to find plugin "${p.type}" in path [${this.o.binDirs.join(' ')}]`, '', p.type);
    return file;
  }

  private pluginStdin(net: NetworkList, p: PluginConf, rec: CacheRecord | undefined, prev: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const conf: Record<string, unknown> = { ...p, cniVersion: net.cniVersion, name: net.name, ...extra };
    if (prev !== undefined && prev !== null) conf.prevResult = prev;
    if (rec) {
      const caps = p.capabilities ?? {};
      const rc: Record<string, unknown> = {};
      for (const [k, on] of Object.entries(caps)) if (on && rec.runtimeConfig[k] !== undefined) rc[k] = rec.runtimeConfig[k];
      if (Object.keys(rc).length > 0) conf.runtimeConfig = { ...((p.runtimeConfig as Record<string, unknown> | undefined) ?? {}), ...rc };
    }
    return conf;
  }

  private async invoke(net: NetworkList, p: PluginConf, command: CniCommand, rec: CacheRecord, prev: unknown): Promise<unknown> {
    const file = await this.pluginFile(p);
    return this.execPlugin(file, this.pluginStdin(net, p, rec, prev), {
      command, containerId: rec.sandboxId, netns: rec.netns, ifName: rec.ifName, args: rec.args,
      path: this.o.binDirs, env: this.o.env, timeoutMs: this.timeoutMs,
    }, p.type);
  }

  /** DEL in reverse order; prevResult only from 0.4.0 on. Every plugin is asked even if one fails. */
  private async del(net: NetworkList, rec: CacheRecord, result: unknown): Promise<void> {
    const prev = atLeast(net.cniVersion, '0.4.0') ? result : undefined;
    let first: unknown;
    for (const p of [...net.plugins].reverse()) {
      try { await this.invoke(net, p, 'DEL', rec, prev); } catch (e) { first ??= e; }
    }
    if (first) throw first;
  }

  /** STATUS / GC: every plugin in order, no container. */
  private async runChain(net: NetworkList, command: 'STATUS' | 'GC', extra: Record<string, unknown>): Promise<void> {
    for (const p of net.plugins) {
      const file = await this.pluginFile(p);
      await this.execPlugin(file, this.pluginStdin(net, p, undefined, undefined, extra), {
        command, path: this.o.binDirs, env: this.o.env, timeoutMs: this.timeoutMs,
      }, p.type);
    }
  }

  private cacheFile(id: string): string { return join(this.o.cacheDir, `${id}.json`); }
  private async saveCache(rec: CacheRecord): Promise<void> { await writeFileAtomic(this.cacheFile(rec.sandboxId), JSON.stringify(rec)); }
  private async dropCache(id: string): Promise<void> { await rm(this.cacheFile(id), { force: true }); }
  private async readCache(id: string): Promise<CacheRecord | undefined> {
    try { return JSON.parse(await readFile(this.cacheFile(id), 'utf8')) as CacheRecord; } catch { return undefined; }
  }
  private async listCache(): Promise<string[]> {
    try { return (await readdir(this.o.cacheDir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5)); } catch { return []; }
  }
}

function protocolName(p: string): string {
  const s = p.toLowerCase();
  return s === 'udp' || s === 'sctp' ? s : 'tcp';
}

/** CNI_ARGS as kubelet-era runtimes pass them. */
export function cniArgs(req: PodNetworkRequest): string {
  return [
    'IgnoreUnknown=1', `K8S_POD_NAMESPACE=${req.pod.namespace}`, `K8S_POD_NAME=${req.pod.name}`,
    `K8S_POD_INFRA_CONTAINER_ID=${req.sandboxId}`, `K8S_POD_UID=${req.pod.uid}`,
  ].join(';');
}

/** `{{.PodCIDR}}` → the first CIDR, `{{.PodCIDRRanges}}` → all of them as a JSON list. */
export function renderTemplate(tpl: string, cidrs: string[]): string {
  return tpl.replace(/\{\{\s*\.PodCIDR\s*\}\}/g, cidrs[0] ?? '')
    .replace(/\{\{\s*\.PodCIDRRanges\s*\}\}/g, JSON.stringify(cidrs));
}

function asRuntimeError(e: unknown, what: string): Error {
  if (e instanceof RuntimeError) return e;
  if (e instanceof CniError) {
    // "Try again later" stays Unavailable whatever the HRESULT; others answer as their HRESULT does everywhere.
    const cause = e.code === 11 ? undefined : platformCause(e, what);
    if (cause) return cause;
    const kind = e.code === 11 ? 'Unavailable' : 'Internal';
    return new RuntimeError(kind, `${what}: ${e.message}`, { cause: e });
  }
  return new RuntimeError('Internal', `${what}: ${errorMessage(e)}`, { cause: e });
}

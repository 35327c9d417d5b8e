/** Running a network's plugin chain: VERSION negotiation per plugin binary, each plugin's stdin (prevResult, the capability arguments it declares), and ADD/CHECK in order, DEL in reverse, STATUS/GC without a container. */
import { RuntimeError } from '../errors.js';
import type { NetworkList, PluginConf } from './config.js';
import { CniError, locatePlugin, type CniCommand, type InvokeArgs, type LocatedPlugin } from './invoke.js';
import { runPlugin, type InProcessPlugin } from './in-process.js';
import { atLeast } from './version.js';
import type { CacheRecord } from './attachment-cache.js';

export interface PluginChainOptions {
  binDirs: string[];
  /** Per plugin call. */
  timeoutSeconds: number;
  env?: Record<string, string>;
  inProcess?: InProcessPlugin;
}

export class PluginChain {
  private readonly versions = new Map<string, { key: string; supported: string[] }>();

  constructor(private readonly o: PluginChainOptions) {}

  private execPlugin(found: LocatedPlugin, stdin: unknown, a: InvokeArgs, plugin?: string): Promise<unknown> { return runPlugin(this.o.inProcess, found, stdin, a, plugin); }

  private get timeoutMs(): number { return Math.max(1, this.o.timeoutSeconds) * 1000; }

  /**
   * VERSION once per plugin binary (and again when the binary changes); the conf's version must be supported.
   * Returns the plugin found, for the calls that follow (one lookup per plugin and operation).
   */
  async negotiate(net: NetworkList, p: PluginConf): Promise<LocatedPlugin> {
    const found = await this.pluginFile(p);
    let v = this.versions.get(found.file);
    if (!v || v.key !== found.key) {
      const out = await this.execPlugin(found, { cniVersion: net.cniVersion }, { command: 'VERSION', path: this.o.binDirs, env: this.o.env, timeoutMs: this.timeoutMs }, p.type);
      const sv = (out as { supportedVersions?: unknown } | null)?.supportedVersions;
      v = { key: found.key, supported: Array.isArray(sv) ? sv.filter((x): x is string => typeof x === 'string') : ['0.1.0', '0.2.0'] };
      this.versions.set(found.file, v);
    }
    if (!v.supported.includes(net.cniVersion)) {
      throw new RuntimeError('FailedPrecondition', `incompatible CNI versions: network "${net.name}" uses ${net.cniVersion}, plugin "${p.type}" supports ${v.supported.join(', ')}`);
    }
    return found;
  }

  private async pluginFile(p: PluginConf): Promise<LocatedPlugin> {
    const found = await locatePlugin(p.type, this.o.binDirs);
    if (!found) throw new CniError(5, `failed to find plugin "${p.type}" in path [${this.o.binDirs.join(' ')}]`, '', p.type);
    return found;
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

  /** One plugin of the chain for the attachment in `rec` (`found`: the plugin negotiate() found, else looked up). */
  async invoke(net: NetworkList, p: PluginConf, command: CniCommand, rec: CacheRecord, prev: unknown, found?: LocatedPlugin): Promise<unknown> {
    return this.execPlugin(found ?? await this.pluginFile(p), this.pluginStdin(net, p, rec, prev), {
      command, containerId: rec.sandboxId, netns: rec.netns, ifName: rec.ifName, args: rec.args,
      path: this.o.binDirs, env: this.o.env, timeoutMs: this.timeoutMs,
    }, p.type);
  }

  /** DEL in reverse order; prevResult only from 0.4.0 on. Every plugin is asked even if one fails. */
  async del(net: NetworkList, rec: CacheRecord, result: unknown): Promise<void> {
    const prev = atLeast(net.cniVersion, '0.4.0') ? result : undefined;
    let first: unknown;
    for (const p of [...net.plugins].reverse()) {
      try { await this.invoke(net, p, 'DEL', rec, prev); } catch (e) { first ??= e; }
    }
    if (first) throw first;
  }

  /** STATUS / GC: every plugin in order, no container (`found`: the plugins the caller located, by index). */
  async runChain(net: NetworkList, command: 'STATUS' | 'GC', extra: Record<string, unknown>, found: LocatedPlugin[] = []): Promise<void> {
    for (const [i, p] of net.plugins.entries()) {
      await this.execPlugin(found[i] ?? await this.pluginFile(p), this.pluginStdin(net, p, undefined, undefined, extra), {
        command, path: this.o.binDirs, env: this.o.env, timeoutMs: this.timeoutMs,
      }, p.type);
    }
  }
}

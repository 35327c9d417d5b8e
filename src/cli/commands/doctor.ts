/** `wincri doctor [--leaks [--fix]]`: node checks with what to do, or the platform-object leak audit. */
import type { Config } from '../../config/config.js';
import type { Platform } from '../../platform/types.js';
import { destroySystem } from '../../runtime/systems.js';
import { removeCredentialGuard } from '../../runtime/credential-guard.js';
import { join } from 'node:path';
import { EXIT, CONFIG_FLAGS, CONFIG_FLAGS_HELP, UsageError, bool, configFrom, parseArgs, str } from '../args.js';
import { DaemonClient } from '../client.js';
import { json } from '../output.js';
import type { Command } from '../command.js';
import { doctorExitCode, fail, formatResults, ok, type CheckResult } from '../doctor/check.js';
import { linuxHostChecks, windowsBuildCheck, windowsFeatureChecks } from '../doctor/host.js';
import { clockChecks, cniChecks, diskCheck, endpointPermissionCheck, kubeletCheck } from '../doctor/node.js';
import { findLeaks, type Leak } from '../doctor/leaks.js';
import { loadRecords, platformView } from '../doctor/collect.js';
import { removeLinuxObject } from '../doctor/linux-objects.js';

async function openPlatform(cfg: Config): Promise<{ platform?: Platform; result: CheckResult }> {
  const { createPlatform } = await import('../../daemon/platform-factory.js');
  try {
    const platform = await createPlatform(cfg, { spawnService: false });
    const props = await platform.compute.getServiceProperties();
    void props;
    return { platform, result: ok('backend', `${platform.name} reachable (host ${platform.host.osVersion} ${platform.host.architecture})`) };
  } catch (e) {
    const fix = cfg.backend === 'windows'
      ? 'Start-Service vmcompute, hns (Containers feature: Install-WindowsFeature Containers)'
      : `the emulator service starts with the daemon: start "wincri serve" (state ${cfg.emulator.stateDir})`;
    return { result: fail('backend', `${cfg.backend} not reachable: ${(e as Error).message}`, fix) };
  }
}

export async function runChecks(cfg: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const c = new DaemonClient(cfg.endpoint);
  try {
    const v = await c.call<{ runtimeName: string; runtimeVersion: string }>('runtime', 'Version', {}, 5000);
    results.push(ok('daemon', `${v.runtimeName} ${v.runtimeVersion} serving ${cfg.endpoint}`));
  } catch (e) {
    results.push(fail('daemon', (e as Error).message, process.platform === 'win32' ? 'wincri service start' : 'systemctl start wincri (or wincri serve)'));
  } finally { c.close(); }
  const { platform, result } = await openPlatform(cfg);
  results.push(result);
  try {
    if (process.platform === 'win32' || cfg.backend === 'windows') results.push(windowsBuildCheck(platform?.host.osVersion ?? '0.0.0'), ...windowsFeatureChecks());
    else results.push(...linuxHostChecks());
    if (platform) {
      const nets = await platform.network.enumerateNetworks();
      results.push(nets.length
        ? ok('hns networks', nets.map((n) => `${n.Name ?? n.ID} (${n.Type})`).join(', '))
        : { name: 'hns networks', status: 'warn', detail: 'none', fix: 'NAT/overlay networks are created by the CNI plugin on the first pod; l2bridge and EKS (vpcbr*) networks by the node setup' });
    }
    results.push(...await cniChecks(cfg), kubeletCheck(cfg), endpointPermissionCheck(cfg), diskCheck(cfg), ...await clockChecks());
  } finally {
    await platform?.close();
  }
  return results;
}

const key = (l: Leak) => `${l.kind} ${l.id}`;

async function remove(cfg: Config, platform: Platform, l: Leak): Promise<void> {
  switch (l.kind) {
    case 'hns-endpoint': return platform.network.deleteEndpoint(l.id);
    case 'hns-namespace': return platform.network.deleteNamespace(l.id);
    case 'compute-system': return destroySystem(platform.compute, l.id);
    case 'credential-guard': return removeCredentialGuard(platform.compute, join(cfg.root, 'state'), l.id);
    default: return removeLinuxObject(l.kind, l.id);
  }
}

/** Audit; with `fix`, a second audit right before removal and only leaks seen in both are removed. */
export async function runLeaks(cfg: Config, fix: boolean, out: (s: string) => void): Promise<{ leaks: Leak[]; removed: Leak[]; failed: string[] }> {
  const { createPlatform } = await import('../../daemon/platform-factory.js');
  const platform = await createPlatform(cfg, { spawnService: false });
  try {
    const audit = async () => {
      const { records, source } = await loadRecords(cfg);
      return { ...findLeaks(records, await platformView(cfg, platform)), source };
    };
    const first = await audit();
    out(`records from ${first.source}\n`);
    for (const u of first.undecided) out(`UNDECIDED ${u}\n`);
    for (const l of first.leaks) out(`LEAK ${l.kind} ${l.id}${l.detail ? ` (${l.detail})` : ''}: ${l.why}\n`);
    if (!fix || first.leaks.length === 0) return { leaks: first.leaks, removed: [], failed: [] };
    const again = new Set((await audit()).leaks.map(key));
    const removed: Leak[] = [], failed: string[] = [];
    const order: Leak['kind'][] = ['hns-endpoint', 'hns-namespace', 'compute-system', 'credential-guard', 'link', 'netns', 'nft-table'];
    for (const kind of order) {
      for (const l of first.leaks.filter((x) => x.kind === kind && again.has(key(x)))) {
        try { await remove(cfg, platform, l); removed.push(l); out(`REMOVED ${key(l)}\n`); } catch (e) { failed.push(`${key(l)}: ${(e as Error).message}`); out(`FAILED ${key(l)}: ${(e as Error).message}\n`); }
      }
    }
    return { leaks: first.leaks, removed, failed };
  } finally {
    await platform.close();
  }
}

const HELP = `Usage: wincri doctor [-o text|json]
       wincri doctor --leaks [--fix]

Checks this node, each check ok / warn / fail with what to do: the daemon answers on its endpoint, the platform
backend is reachable (HCS/HNS, or the emulator service), the Windows build and features (Containers; Hyper-V
optional) or on Linux root, ip, nft and cgroup v2, HNS networks, the CNI configuration and that every plugin it
names exists and is executable, that a running kubelet uses wincri's endpoint, the socket's permissions (0660,
root), free disk space under the root, and the clock (wall vs monotonic, NTP sync).

--leaks lists platform objects that no pod or container owns: compute systems (Owner wincri) without a container
record, HNS namespaces wincri created and endpoints of pods it has no record of, gMSA credential guard instances
wincri added for containers it has no record of, and with the emulator the
wincri-* Linux netns, veths, bridges, vxlans and nft tables no HNS object accounts for. Records come from the
daemon, or from its state directory when it is down. --fix removes exactly those (re-checked just before).
${CONFIG_FLAGS_HELP}
  -o, --output FMT   text (default) or json
Exit codes: 0 all ok (no leaks), 1 a check failed (leaks found without --fix, or a removal failed),
3 warnings only, 2 usage error.`;

export const doctorCommand: Command = {
  name: 'doctor',
  help: HELP,
  async run(argv) {
    const { flags, args, help } = parseArgs(argv, { ...CONFIG_FLAGS, leaks: 'boolean', fix: 'boolean', output: 'string' }, { o: 'output' });
    if (help) return void console.log(HELP), EXIT.OK;
    if (args.length) throw new UsageError(`doctor takes no arguments (got "${args[0]}")`);
    if (bool(flags, 'fix') && !bool(flags, 'leaks')) throw new UsageError('--fix goes with --leaks');
    const fmt = str(flags, 'output') ?? 'text';
    if (fmt !== 'text' && fmt !== 'json') throw new UsageError('-o must be text or json');
    const cfg = configFrom(flags);
    if (bool(flags, 'leaks')) {
      const quiet = fmt === 'json';
      const r = await runLeaks(cfg, bool(flags, 'fix'), (s) => { if (!quiet) process.stdout.write(s); });
      if (quiet) process.stdout.write(json(r));
      else if (r.leaks.length === 0) console.log('no leaks');
      if (r.failed.length) return EXIT.FAIL;
      return r.leaks.length === 0 || bool(flags, 'fix') ? EXIT.OK : EXIT.FAIL;
    }
    const results = await runChecks(cfg);
    process.stdout.write(fmt === 'json' ? json(results) : formatResults(results));
    return doctorExitCode(results);
  },
};

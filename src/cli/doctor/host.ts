/** Host checks: Windows build and features (Containers, Hyper-V), or on Linux what the emulator needs. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { fail, ok, warn, type CheckResult } from './check.js';

const runs = (cmd: string, args: string[]): { ok: boolean; out: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};

/** Windows Server 2019 (17763) is the oldest build HCS v2 / HCN namespaces work on; 2022 (20348) is the tested target. */
export function windowsBuildCheck(osVersion: string): CheckResult {
  const build = Number(osVersion.split('.')[2] ?? 0);
  if (build >= 20348) return ok('windows build', `${osVersion}`);
  if (build >= 17763) return warn('windows build', `${osVersion} (Windows Server 2019)`, 'supported, but images must match the host build; Windows Server 2022 (20348) or later is the tested target');
  return fail('windows build', `${osVersion}`, 'HCS schema v2 and HCN namespaces need Windows Server 2019 (build 17763) or later');
}

export function windowsFeatureChecks(): CheckResult[] {
  const svc = (name: string) => runs('sc.exe', ['query', name]).ok;
  return [
    svc('vmcompute') && svc('hns')
      ? ok('containers feature', 'vmcompute and hns services present')
      : fail('containers feature', 'vmcompute or hns service missing', 'Install-WindowsFeature Containers, then reboot'),
    svc('vmms')
      ? ok('hyper-v', 'present: Hyper-V isolated pods are possible')
      : warn('hyper-v', 'not installed: only process-isolated pods', 'optional: Install-WindowsFeature Hyper-V (needed for RuntimeClass runhcs-wcow-hypervisor)'),
  ];
}

export function linuxHostChecks(): CheckResult[] {
  const out: CheckResult[] = [];
  out.push(process.getuid?.() === 0
    ? ok('root', 'running as root: the emulator builds real pod networking')
    : warn('root', `running as uid ${process.getuid?.()}`, 'run the daemon as root for pod networking (netns, veth, nftables); without it pods get no real network'));
  for (const [cmd, args, pkg] of [['ip', ['-V'], 'iproute2'], ['nft', ['--version'], 'nftables']] as const) {
    out.push(runs(cmd, [...args]).ok ? ok(cmd, 'present') : warn(cmd, 'not found', `apt-get install ${pkg} (the emulator needs it for pod networking)`));
  }
  const ctl = '/sys/fs/cgroup/cgroup.controllers';
  if (!existsSync(ctl)) out.push(warn('cgroup v2', 'not mounted at /sys/fs/cgroup', 'boot with the unified cgroup hierarchy (systemd.unified_cgroup_hierarchy=1)'));
  else {
    try { accessSync('/sys/fs/cgroup', constants.W_OK); out.push(ok('cgroup v2', 'mounted and writable')); } catch {
      out.push(warn('cgroup v2', 'mounted read-only for this user', 'run as root (container statistics read cgroups)'));
    }
  }
  return out;
}

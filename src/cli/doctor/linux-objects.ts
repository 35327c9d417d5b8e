/**
 * The emulator's Linux side of HNS objects (names from src/platform/emulator/service/linuxnet.ts): list the
 * wincri-* netns, links and nft tables present, compute the names the HNS objects account for, and remove one.
 */
import { spawnSync } from 'node:child_process';
import { PREFIX, bridgeName, netnsName, tableName, vethName, vxlanName } from '../../platform/emulator/service/linuxnet.js';
import type { LinuxObjects } from './leaks.js';

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  return r.stdout;
}

/** Whether this host has the emulator's Linux networking (root, ip, nft). */
export function linuxNetworkingHere(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return ['ip', 'nft'].every((c) => { const r = spawnSync(c, c === 'ip' ? ['-V'] : ['--version'], { stdio: 'ignore' }); return !r.error && r.status === 0; });
}

export function listLinuxObjects(): LinuxObjects {
  const netns = run('ip', ['-j', 'netns', 'list']).trim();
  const links = JSON.parse(run('ip', ['-d', '-j', 'link', 'show']) || '[]') as { ifname: string; linkinfo?: { info_kind?: string } }[];
  const tables = JSON.parse(run('nft', ['-j', 'list', 'tables']) || '{"nftables":[]}') as { nftables: { table?: { family: string; name: string } }[] };
  return {
    netns: (netns ? (JSON.parse(netns) as { name: string }[]) : []).map((n) => n.name).filter((n) => n.startsWith(PREFIX)),
    links: links.filter((l) => l.ifname.startsWith(PREFIX)).map((l) => ({ name: l.ifname, kind: l.linkinfo?.info_kind ?? '' })),
    tables: tables.nftables.flatMap((t) => (t.table && t.table.name.startsWith(PREFIX) ? [{ family: t.table.family, name: t.table.name }] : [])),
  };
}

export function accountedNames(view: { namespaces: { id: string }[]; endpoints: { id: string }[]; networks: { id: string }[] }): Set<string> {
  const out = new Set<string>();
  for (const n of view.namespaces) out.add(netnsName(n.id));
  for (const e of view.endpoints) out.add(vethName(e.id));
  for (const n of view.networks) { out.add(bridgeName(n.id)); out.add(vxlanName(n.id)); out.add(tableName(n.id)); }
  return out;
}

export function removeLinuxObject(kind: 'netns' | 'link' | 'nft-table', id: string): void {
  if (kind === 'netns') run('ip', ['netns', 'delete', id]);
  else if (kind === 'link') run('ip', ['link', 'delete', id]);
  else { const [family, name] = id.split(' '); run('nft', ['delete', 'table', family!, name!]); }
}

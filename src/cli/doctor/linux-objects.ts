/**
 * The emulator's Linux side of HNS objects (names from src/platform/emulator/service/linuxnet.ts): list the
 * wincri-* netns, links and nft tables present, compute the names the HNS objects account for, and remove one.
 */
import { spawnSync } from 'node:child_process';
import { PREFIX, bridgeName, netnsName, tableName, vethName, vxlanName } from '../../platform/emulator/service/linuxnet.js';
import { idFromAlias, idFromChain } from '../../platform/emulator/service/instance.js';
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
  const netnsOut = run('ip', ['-j', 'netns', 'list']).trim();
  type Link = { ifname: string; ifalias?: string; linkinfo?: { info_kind?: string } };
  const links = (JSON.parse(run('ip', ['-d', '-j', 'link', 'show']) || '[]') as Link[]).filter((l) => l.ifname.startsWith(PREFIX));
  const tables = JSON.parse(run('nft', ['-j', 'list', 'tables']) || '{"nftables":[]}') as { nftables: { table?: { family: string; name: string } }[] };
  const chains = JSON.parse(run('nft', ['-j', 'list', 'chains']) || '{"nftables":[]}') as { nftables: { chain?: { family: string; table: string; name: string } }[] };
  const netns = (netnsOut ? (JSON.parse(netnsOut) as { name: string }[]) : []).map((n) => n.name).filter((n) => n.startsWith(PREFIX));
  // Instance marks (src/platform/emulator/service/instance.ts): link aliases, the alias of each netns's lo, owner chains.
  const owners = new Map<string, string>();
  for (const l of links) { const id = idFromAlias(l.ifalias); if (id) owners.set(l.ifname, id); }
  for (const n of netns) {
    try {
      const lo = JSON.parse(run('ip', ['-n', n, '-j', 'link', 'show', 'lo']) || '[]') as Link[];
      const id = idFromAlias(lo[0]?.ifalias);
      if (id) owners.set(n, id);
    } catch { /* deleted meanwhile */ }
  }
  for (const c of chains.nftables) {
    const id = c.chain && c.chain.table.startsWith(PREFIX) ? idFromChain(c.chain.name) : undefined;
    if (id) owners.set(`${c.chain!.family} ${c.chain!.table}`, id);
  }
  return {
    netns,
    links: links.map((l) => ({ name: l.ifname, kind: l.linkinfo?.info_kind ?? '' })),
    tables: tables.nftables.flatMap((t) => (t.table && t.table.name.startsWith(PREFIX) ? [{ family: t.table.family, name: t.table.name }] : [])),
    owners,
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

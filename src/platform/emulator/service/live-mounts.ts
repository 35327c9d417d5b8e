/** Mappings added to or removed from a running isolated system (in its holder's mount namespace). */
import { spawnSync } from 'node:child_process';
import { PlatformError, HRESULT } from '../../hresult.js';
import { shQuote, bindCommands, mappingTarget, ensureMountPoint } from './rootfs.js';
import type { MappedDirectoryDoc } from '../../hcs/schema/index.js';
import type { HolderRecord } from './isolation.js';

/** Runs a command in the holder's mount namespace (not chrooted: host paths stay reachable). */
function inMountNs(h: HolderRecord, commands: string[]): void {
  const r = spawnSync('nsenter', [`--target=${h.pid}`, '--mount', '--', 'sh', '-c', ['set -e', ...commands].join('\n')], { encoding: 'utf8' });
  if (r.status !== 0) throw new PlatformError(HRESULT.E_FAIL, 'HcsModifyComputeSystem', `mount in the container failed: ${(r.stderr || '').trim()}`);
}

/** Adds a mapping to a running isolated system. */
export function mountLive(h: HolderRecord, root: string, md: MappedDirectoryDoc, created: string[]): void {
  const target = mappingTarget('HcsModifyComputeSystem', root, md);
  ensureMountPoint(target, md.HostPath!, created);
  inMountNs(h, bindCommands(md.HostPath!, target, !!md.ReadOnly));
}

/** Removes a mapping from a running isolated system. */
export function unmountLive(h: HolderRecord, root: string, md: MappedDirectoryDoc): void {
  inMountNs(h, [`umount -l ${shQuote(mappingTarget('HcsModifyComputeSystem', root, md))}`]);
}

/**
 * Which emulator instance made a Linux object. Several wincri instances (each with its own emulator state dir)
 * may share one Linux host; object names come from HNS GUIDs and cannot carry more (a link name has at most 15
 * characters). So each object is marked with the instance id, a hash of the state dir's absolute path:
 *   link (bridge, veth host side, vxlan)   its alias (`ip link set X alias wincri-instance=<id>`)
 *   network namespace                       the alias of its `lo`
 *   nft table                               an empty regular chain `owner_<id>` in it
 * Objects made before marks existed carry none; an audit treats them as its own, as before.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

export const INSTANCE_MARK_PREFIX = 'wincri-instance=';
export const OWNER_CHAIN_PREFIX = 'owner_';

/** 8 hex characters identifying the emulator instance of `stateDir`. */
export function instanceId(stateDir: string): string {
  return createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 8);
}

export const instanceMark = (id: string): string => `${INSTANCE_MARK_PREFIX}${id}`;
export const ownerChain = (id: string): string => `${OWNER_CHAIN_PREFIX}${id}`;

/** The instance id in a link alias, or undefined (no mark). */
export function idFromAlias(alias: string | undefined): string | undefined {
  return alias?.startsWith(INSTANCE_MARK_PREFIX) ? alias.slice(INSTANCE_MARK_PREFIX.length) : undefined;
}
/** The instance id of an owner chain name, or undefined. */
export function idFromChain(chain: string): string | undefined {
  return chain.startsWith(OWNER_CHAIN_PREFIX) && /^[0-9a-f]{8}$/.test(chain.slice(OWNER_CHAIN_PREFIX.length)) ? chain.slice(OWNER_CHAIN_PREFIX.length) : undefined;
}

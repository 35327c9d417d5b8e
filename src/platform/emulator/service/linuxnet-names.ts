/** Names of the Linux objects made for HNS objects (./linuxnet.ts): all carry the `wincri-` prefix. */
export const PREFIX = 'wincri-';

export const hex = (guid: string): string => guid.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
export const netnsName = (nsGuid: string): string => `${PREFIX}${hex(nsGuid).slice(0, 12)}`;
export const bridgeName = (netGuid: string): string => `${PREFIX}${hex(netGuid).slice(0, 8)}`;
export const vxlanName = (netGuid: string): string => `${PREFIX}v${hex(netGuid).slice(0, 7)}`;
export const vethName = (epGuid: string): string => `${PREFIX}${hex(epGuid).slice(0, 8)}`;
export const tableName = (netGuid: string): string => `${PREFIX}${hex(netGuid).slice(0, 8)}`;

/**
 * Which images of an archive this host can run (import.ts): Windows only, the host's architecture, an OS build the
 * host runs with process isolation (platform/os-version.ts). From an index or manifest list the highest such
 * build is chosen; a refusal names the host and what the archive offered.
 */
import { describePlatform, normalizeArch, INDEX_TYPES, type Descriptor, type ImageConfigInfo } from './oci.js';
import { parseOsVersion, osVersionCompatible, compareOsVersion } from '../platform/os-version.js';
import { invalidArgument } from '../errors.js';

export interface HostPlatform { osVersion: string; architecture: string }

function platformOk(host: HostPlatform, p: { os: string; architecture: string; 'os.version'?: string }): boolean {
  if (p.os !== 'windows') return false;
  if (normalizeArch(p.architecture) !== normalizeArch(host.architecture)) return false;
  const hv = parseOsVersion(host.osVersion);
  if (p['os.version'] === undefined) return true; // nothing to compare; HCS checks again at container start
  const iv = parseOsVersion(p['os.version']);
  return !!hv && !!iv && osVersionCompatible(hv, iv);
}

function hostText(host: HostPlatform): string {
  return `windows/${normalizeArch(host.architecture)}, OS build ${host.osVersion}`;
}

/** Refuses an image config this host cannot run. */
export function checkConfigPlatform(host: HostPlatform, c: ImageConfigInfo, what: string): void {
  const p = { os: c.os, architecture: c.architecture, 'os.version': c.osVersion };
  if (c.os !== 'windows') throw invalidArgument(`${what} is a ${describePlatform({ os: c.os, architecture: c.architecture })} image; wincri runs Windows images only`);
  if (!platformOk(host, p)) {
    throw invalidArgument(`${what} (${describePlatform({ os: c.os, architecture: c.architecture, 'os.version': c.osVersion })}) cannot run on this host (${hostText(host)}); offered builds: ${c.osVersion ?? 'unknown'}`);
  }
}

/** Picks the best Windows manifest for this host from an index, or fails listing what was offered. */
export function selectManifest(host: HostPlatform, manifests: Descriptor[], label: string): Descriptor {
  const candidates = manifests.filter((m) => m.platform && !INDEX_TYPES.includes(m.mediaType) ? platformOk(host, m.platform) : false);
  const nested = manifests.filter((m) => INDEX_TYPES.includes(m.mediaType) && (!m.platform || platformOk(host, m.platform)));
  if (candidates.length === 0 && nested.length) return nested[0]!;
  if (candidates.length === 0) {
    const offered = manifests.filter((m) => m.platform).map((m) => describePlatform(m.platform!));
    throw invalidArgument(`${label}: no image matches this host (${hostText(host)}); offered: ${offered.length ? offered.join(', ') : 'no platforms'}`);
  }
  const v = (m: Descriptor) => parseOsVersion(m.platform!['os.version'] ?? '') ?? { major: 0, minor: 0, build: 0, revision: 0 };
  return [...candidates].sort((a, b) => compareOsVersion(v(b), v(a)))[0]!;
}

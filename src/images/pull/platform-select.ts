/**
 * Which manifest of an index a pull takes for this Windows host: windows/<host arch>, an os.version the host can
 * run with the pull's isolation (process: the host's build or the LTSC window; Hyper-V: any build up to the host's),
 * the highest version first. Also the check of an image config's platform against the host.
 */
import { failedPrecondition } from '../../errors.js';
import type { HostPlatform } from '../import.js';
import { describePlatform, normalizeArch, INDEX_TYPES, type Descriptor } from '../oci.js';
import { parseOsVersion, osVersionCompatible, hypervCompatible, compareOsVersion, type OsVersion } from '../../platform/os-version.js';

export type Isolation = 'process' | 'hyperv';

export function platformMatches(host: HostPlatform, p: { os: string; architecture: string; 'os.version'?: string }, isolation: Isolation): boolean {
  if (p.os !== 'windows') return false;
  if (normalizeArch(p.architecture) !== normalizeArch(host.architecture)) return false;
  if (p['os.version'] === undefined || p['os.version'] === '') return true; // nothing to compare; HCS checks again at start
  const hv = parseOsVersion(host.osVersion);
  const iv = parseOsVersion(p['os.version']);
  if (!hv || !iv) return false;
  if (isolation === 'hyperv') return hypervCompatible(hv, iv);
  return osVersionCompatible(hv, iv);
}

export function hostText(host: HostPlatform): string {
  return `windows/${normalizeArch(host.architecture)}, OS build ${host.osVersion}`;
}

/**
 * The best manifest of an index for this host: windows/<host arch> entries whose os.version the host runs
 * (process isolation: same major.minor.build or within the LTSC window; Hyper-V: any build up to the host's),
 * highest version (revision included) first. None → FailedPrecondition naming the host build and the offers.
 */
export function selectManifest(manifests: Descriptor[], host: HostPlatform, isolation: Isolation, label: string): Descriptor {
  const ok = manifests.filter((m) => m.platform && platformMatches(host, m.platform, isolation));
  const plain = ok.filter((m) => !INDEX_TYPES.includes(m.mediaType));
  const pick = plain.length ? plain : ok;
  if (pick.length === 0) {
    const nestedNoPlatform = manifests.filter((m) => !m.platform && INDEX_TYPES.includes(m.mediaType));
    if (nestedNoPlatform.length) return nestedNoPlatform[0]!;
    const offered = manifests.map((m) => (m.platform ? describePlatform(m.platform) : `${m.mediaType} without platform`));
    throw failedPrecondition(`${label}: no manifest matches this host (${hostText(host)}, ${isolation} isolation); offered: ${offered.length ? offered.join(', ') : 'nothing'}`);
  }
  const zero: OsVersion = { major: 0, minor: 0, build: 0, revision: 0 };
  const v = (m: Descriptor) => parseOsVersion(m.platform?.['os.version'] ?? '') ?? zero;
  return [...pick].sort((a, b) => compareOsVersion(v(b), v(a)))[0]!;
}

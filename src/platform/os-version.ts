/**
 * Windows image / host OS version matching (reference/hcs.md §6.5, containerd's Windows platform matcher):
 * equal major.minor; a host build below 20348 needs the same build; otherwise the image build must lie in
 * [floor, host build] where floor is the LTSC before the newest LTSC not above the host (LTSCs 20348, 26100;
 * the first LTSC has no predecessor and is its own floor). The revision is ignored for compatibility; among
 * compatible images the highest full version (revision included) wins.
 */
export const LTSC_BUILDS = [20348, 26100] as const;

export interface OsVersion { major: number; minor: number; build: number; revision: number }

export function parseOsVersion(s: string): OsVersion | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  return { major: +m[1]!, minor: +m[2]!, build: +m[3]!, revision: m[4] === undefined ? 0 : +m[4] };
}

export function compareOsVersion(a: OsVersion, b: OsVersion): number {
  return a.major - b.major || a.minor - b.minor || a.build - b.build || a.revision - b.revision;
}

/** Lowest image build a host of this build can run with process isolation. */
export function buildFloor(hostBuild: number): number {
  if (hostBuild < LTSC_BUILDS[0]) return hostBuild;
  let newest = 0;
  for (let i = 0; i < LTSC_BUILDS.length; i++) if (LTSC_BUILDS[i]! <= hostBuild) newest = i;
  return newest === 0 ? LTSC_BUILDS[0] : LTSC_BUILDS[newest - 1]!;
}

/** Whether an image built for `image` runs process-isolated on `host`. */
export function osVersionCompatible(host: OsVersion, image: OsVersion): boolean {
  if (host.major !== image.major || host.minor !== image.minor) return false;
  if (host.build < LTSC_BUILDS[0]) return host.build === image.build;
  return image.build >= buildFloor(host.build) && image.build <= host.build;
}

/**
 * Whether an image of build `image` runs in a utility VM on `host`: the VM boots the image's own kernel, so any
 * build of the same major.minor up to the host's runs (a newer image never does).
 */
export function hypervCompatible(host: OsVersion, image: OsVersion): boolean {
  return host.major === image.major && host.minor === image.minor && image.build <= host.build;
}

/**
 * The OS-version rule HCS enforces at create (HCS_E_IMAGE_MISMATCH; reference/hcs.md §6.5), checked at
 * CreateContainer so the caller learns it before anything is built: process isolation runs the host's build (or
 * an image within the host's LTSC window); Hyper-V isolation runs any build of the host's major.minor up to the
 * host's, and every container of a pod's utility VM must match the build that VM booted.
 */
import { HRESULT, hex } from '../platform/hresult.js';
import { parseOsVersion, osVersionCompatible, hypervCompatible } from '../platform/os-version.js';
import { failedPrecondition } from '../errors.js';

const MISMATCH = `HCS_E_IMAGE_MISMATCH (${hex(HRESULT.HCS_E_IMAGE_MISMATCH)})`;

export interface OsCheck {
  hostOsVersion: string;
  isolation: 'process' | 'hyperv';
  image: { name: string; osVersion?: string };
  /** The build the pod's utility VM booted, once it runs. */
  vmOsVersion?: string;
}

export function checkImageOsVersion(c: OsCheck): void {
  const iv = c.image.osVersion ? parseOsVersion(c.image.osVersion) : undefined;
  const hv = parseOsVersion(c.hostOsVersion);
  if (!iv || !hv) return; // nothing to compare (images without os.version); HCS checks again at start
  const what = `image ${c.image.name} is built for Windows ${c.image.osVersion} and this host runs ${c.hostOsVersion}`;
  if (c.isolation === 'process' && !osVersionCompatible(hv, iv)) {
    throw failedPrecondition(`${MISMATCH}: ${what}; process isolation runs only images of the host's build: use an image for ${c.hostOsVersion} or a Hyper-V runtime handler (RuntimeClass runhcs-wcow-hypervisor)`);
  }
  if (c.isolation === 'hyperv' && !hypervCompatible(hv, iv)) {
    throw failedPrecondition(`${MISMATCH}: ${what}; Hyper-V isolation runs images of Windows ${hv.major}.${hv.minor} up to the host's build, never newer ones`);
  }
  const vv = c.vmOsVersion ? parseOsVersion(c.vmOsVersion) : undefined;
  if (c.isolation === 'hyperv' && vv && (vv.major !== iv.major || vv.minor !== iv.minor || vv.build !== iv.build)) {
    throw failedPrecondition(`${MISMATCH}: image ${c.image.name} is built for Windows ${c.image.osVersion} but the pod's utility VM runs ${c.vmOsVersion} (booted from its first container's image); containers of one Hyper-V pod share one build`);
  }
}

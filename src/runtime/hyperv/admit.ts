/**
 * CreateContainer's isolation step: the image must suit the pod's isolation (os-match.ts), and a Hyper-V pod's
 * utility VM must run before a container can be hosted in it (it boots with the first container).
 */
import type { SandboxRecord } from '../model.js';
import type { ImageInfo } from '../ports.js';
import type { RuntimeState } from '../state.js';
import { checkImageOsVersion } from '../os-match.js';
import { ensureUtilityVm } from './uvm.js';

export async function admitImage(st: RuntimeState, pod: SandboxRecord, image: ImageInfo): Promise<void> {
  if (pod.config.hostProcess) return; // a job container on the host: no compute system, no image build rule
  const isolation = pod.isolation ?? 'process';
  checkImageOsVersion({
    hostOsVersion: st.opts.platform.host.osVersion, isolation,
    image: { name: image.repoTags[0] ?? image.id, osVersion: image.osVersion },
    vmOsVersion: pod.utilityVm?.created ? pod.utilityVm.osVersion : undefined,
  });
  if (isolation === 'hyperv') await ensureUtilityVm(st, pod.id, image);
}

/**
 * CreateContainer's gMSA step: the credential guard instance (credential-guard.ts) a container with a credential
 * spec needs exists before the document that names it, and is removed with the container (or by the undo).
 * Hyper-V: over HvSocket, its service opened in the pod's utility VM. Job containers (HostProcess) get none.
 */
import type { ContainerCredentialGuardStateDoc } from '../platform/hcs/schema/index.js';
import type { ContainerSpec } from '../platform/spec.js';
import { failedPrecondition } from '../errors.js';
import type { RuntimeState } from './state.js';
import { kindOf } from './backend.js';
import { hostingSystemOf } from './hyperv/pod-vm.js';
import { addCredentialGuard, removeCredentialGuard } from './credential-guard.js';

export async function containerCredentialGuard(
  st: RuntimeState, podId: string, id: string, spec: ContainerSpec, undo: (() => Promise<unknown>)[],
): Promise<ContainerCredentialGuardStateDoc | undefined> {
  if (!spec.windows.credentialSpec || kindOf({ spec }) !== 'compute') return undefined;
  const hostingVmId = spec.windows.hyperv ? hostingSystemOf(st, podId) : undefined;
  if (spec.windows.hyperv && !hostingVmId) throw failedPrecondition(`pod sandbox ${podId} has no utility VM to host the gMSA container`);
  const { platform, stateDir } = st.opts;
  undo.push(() => removeCredentialGuard(platform.compute, stateDir, id));
  return addCredentialGuard(platform.compute, stateDir, id, spec.windows.credentialSpec, hostingVmId);
}

/**
 * What to do about the HRESULTs operators meet most: the README's troubleshooting table (src/cli/docs) and the
 * gRPC error messages (src/cri/errors.ts) both say it.
 */
import type { HResultName } from './hresult.js';

/** Names are checked by the compiler against the HRESULT table. */
export const HRESULT_ADVICE: Partial<Record<HResultName, string>> = {
  HCS_E_SERVICE_NOT_AVAILABLE: 'HCS (vmcompute) is not running or the Containers feature is missing: `Install-WindowsFeature Containers`, reboot, `Start-Service vmcompute`; on Linux the emulator service is down (restart `wincri serve`)',
  HCS_E_SERVICE_DISCONNECT: 'vmcompute restarted under the daemon, or on Linux the emulator service exited during the call (its log: `<emulator state>/service.log`): the daemon reconnects; retry the request; if it persists, check the System event log for vmcompute crashes',
  HCS_E_IMAGE_MISMATCH: 'the image\'s Windows build differs from the host (process isolation needs the same build): use an image tag for this host\'s build (`wincri info` shows it) or Hyper-V isolation',
  HCS_E_HYPERV_NOT_INSTALLED: 'a Hyper-V isolated pod on a host without Hyper-V: `Install-WindowsFeature Hyper-V` or use the process RuntimeClass',
  HCS_E_INVALID_LAYER: 'a layer on disk is damaged or incomplete: `wincri images rm` the image and pull it again',
  HCS_E_SYSTEM_NOT_FOUND: 'the compute system is gone (stopped outside wincri, or host reboot): the container is reported exited; remove and recreate it',
  HCS_E_SYSTEM_ALREADY_EXISTS: 'a compute system with this ID exists: an orphan of an earlier run; `wincri doctor --leaks --fix`',
  HCS_E_TERMINATED_DURING_START: 'the container exited while starting: check its command and the container log (`crictl logs`)',
  HCS_E_OPERATION_TIMEOUT: 'HCS did not answer in time: the host is overloaded or vmcompute is stuck; check CPU/disk, restart vmcompute if it persists',
  HCS_E_ACCESS_DENIED: 'the daemon is not running as SYSTEM or an administrator: run it as the wincri service',
  E_ACCESSDENIED: 'the daemon is not running as SYSTEM or an administrator: run it as the wincri service',
  HCS_E_INVALID_JSON: 'HCS rejected a document: a wincri bug or an unsupported field for this build; the error document names the field (daemon log)',
  HCN_E_NETWORK_NOT_FOUND: 'the CNI configuration names an HNS network that does not exist: create it (l2bridge/overlay node setup, EKS bootstrap) or fix the network name',
  HCN_E_ENDPOINT_NOT_FOUND: 'the pod\'s endpoint is gone (HNS restarted or the network was recreated): delete the pod so kubelet recreates it',
  HCN_E_MANAGER_STOPPED: 'HNS is not running: `Start-Service hns`',
  HCN_E_PORT_ALREADY_EXISTS: 'a hostPort is already mapped by another pod on this node: change the hostPort or remove the other pod',
  HCN_E_ENDPOINT_ALREADY_ATTACHED: 'the endpoint is attached to another namespace: a leftover of an earlier pod; `wincri doctor --leaks --fix`',
  HCN_E_INVALID_SUBNET: 'the CNI configuration\'s subnet or pod CIDR is invalid or overlaps another network: fix the CNI configuration',
  ERROR_DISK_FULL: 'the disk that holds the runtime\'s state (the emulator\'s state directory on Linux) is full or cannot be written, so the operation could not be recorded and was not done; free space there (or make it writable), then retry',
  ERROR_NOT_ENOUGH_QUOTA: 'the container\'s resource limits could not be set up or joined (a job object; on the Linux emulator its cgroup): the node is out of cgroups, processes or memory for them, or the cgroup hierarchy changed under the service; free resources on the node or fix the hierarchy (the emulator\'s service log names the file), then retry',
  ERROR_FILE_NOT_FOUND: 'a path in the request or the image does not exist (command, working directory, mount source)',
};

/** What to do about a platform failure (Internal or Unavailable) whose HRESULT has no advice of its own. */
export const PLATFORM_RETRY_ADVICE = 'the host\'s platform service failed the call; what this request had done was rolled back: retry it, and if the failure persists run `wincri doctor`';

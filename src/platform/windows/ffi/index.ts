/**
 * The FFI layer of the Windows backend: koffi declarations, UTF-16 strings and their ownership, HRESULT →
 * PlatformError. No policy lives here.
 */
import { loadLibraries, DEFAULT_LIBRARIES, type WindowsLibraries } from './koffi.js';
import { bindComputeCore, type ComputeCore } from './computecore.js';
import { bindComputeNetwork, type ComputeNetwork } from './computenetwork.js';
import { bindComputeStorage, bindVmCompute, type ComputeStorage, type VmCompute } from './computestorage.js';
import { bindWin32, type Win32 } from './win32.js';
import { bindJobApi, type JobApi } from './jobobject.js';
import { bindProcessApi, type ProcessApi } from './process.js';
import { bindAccountApi, type AccountApi } from './accounts.js';
import { bindVolumeApi, type VolumeApi } from './volume.js';
import { bindConsoleApi, type ConsoleApi } from './console.js';
import { localFreeOf, coTaskMemFreeOf, type Freer } from './strings.js';

export * from './koffi.js';
export * from './computecore.js';
export * from './computenetwork.js';
export * from './computestorage.js';
export * from './win32.js';
export * from './jobobject.js';
export * from './process.js';
export * from './accounts.js';
export * from './volume.js';
export * from './console.js';
export * from './strings.js';
export * from './errors.js';
export * from './advapi32.js';
export * from './eventlog.js';
export { loadPinned } from './pin.js';

export interface Bindings {
  hcs: ComputeCore;
  hcn: ComputeNetwork;
  storage: ComputeStorage;
  vmcompute: VmCompute;
  win32: Win32;
  /** Job objects, their completion port, the bind filter (HostProcess containers). */
  jobs: JobApi;
  /** Host processes: pipes, creation as a user, exit codes, console control. */
  proc: ProcessApi;
  /** Logon and temporary local users. */
  accounts: AccountApi;
  /** Volume mount points and symbolic links (HostProcess without the bind filter). */
  volumes: VolumeApi;
  /** Pseudo consoles (TTY) for HostProcess processes. */
  console: ConsoleApi;
  /** LocalFree: computecore / computestorage / advapi32 strings. */
  localFree: Freer;
  /** CoTaskMemFree: computenetwork strings and error records. */
  coTaskMemFree: Freer;
}

export function loadBindings(overrides: Partial<WindowsLibraries> = {}): Bindings {
  const libs = loadLibraries({ ...DEFAULT_LIBRARIES, ...overrides });
  const win32 = bindWin32(libs);
  return {
    hcs: bindComputeCore(libs.computecore),
    hcn: bindComputeNetwork(libs.computenetwork),
    storage: bindComputeStorage(libs.computestorage),
    vmcompute: bindVmCompute(libs.vmcompute),
    win32,
    jobs: bindJobApi(libs),
    proc: bindProcessApi(libs),
    accounts: bindAccountApi(libs),
    volumes: bindVolumeApi(libs.kernel32),
    console: bindConsoleApi(libs),
    localFree: localFreeOf(win32.LocalFree),
    coTaskMemFree: coTaskMemFreeOf(win32.CoTaskMemFree),
  };
}

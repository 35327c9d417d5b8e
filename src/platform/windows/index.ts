/**
 * The Windows backend: HCS (computecore.dll), HCN (computenetwork.dll) and layer storage (computestorage.dll)
 * called in-process through koffi. ./ffi holds the declarations, string ownership and HRESULT mapping; this
 * directory the Platform implementation. The DLL names can be overridden (`libraries`), which is how the tests
 * run these exact bindings on Linux against a C library with the same exports (test/ffi/fakehcs.c).
 */
import os from 'node:os';
import type { Platform } from '../types.js';
import { loadBindings, type Bindings, type WindowsLibraries } from './ffi/index.js';
import { HcsRuntime } from './operations.js';
import { WinCompute } from './compute.js';
import { WinNetwork } from './network.js';
import { WinStorage } from './storage.js';
import { WinJobs } from './jobs/index.js';
import { securePipe } from './pipe-security.js';

export { PIPE_SDDL, daclAdmitsOnlySystemAndAdmins } from './pipe-security.js';
export { DEFAULT_LIBRARIES, type WindowsLibraries } from './ffi/index.js';

export interface WindowsPlatformOptions {
  /** DLL paths (test-only override; defaults to the Windows system DLL names). */
  libraries?: Partial<WindowsLibraries>;
  /** Host facts; default: os.release() ("10.0.<build>" on Windows) and os.arch(). */
  host?: { osVersion: string; architecture: string };
  /** Where HostProcess job records are kept across restarts (the daemon passes `<root>\\windows`). */
  stateDir?: string;
}

export interface WindowsPlatform extends Platform {
  readonly name: 'windows';
  readonly network: WinNetwork;
  readonly storage: WinStorage;
  /** Restricts the CRI named pipe at `path` to SYSTEM and Administrators. */
  secureEndpoint(path: string): Promise<void>;
  /** HCS operations started and not yet completed. */
  pendingOperations(): number;
  readonly bindings: Bindings;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };

export async function createWindowsPlatform(opts: WindowsPlatformOptions = {}): Promise<WindowsPlatform> {
  if (process.platform !== 'win32' && !opts.libraries) {
    throw new Error(`the "windows" backend needs Windows (computecore.dll, computenetwork.dll, computestorage.dll); on ${process.platform} the backend is the emulator (set backend: emulator)`);
  }
  const bindings = loadBindings(opts.libraries);
  const rt = new HcsRuntime(bindings);
  const jobs = new WinJobs(bindings, { stateDir: opts.stateDir });
  const host = opts.host ?? { osVersion: os.release(), architecture: ARCH[os.arch()] ?? os.arch() };
  return {
    name: 'windows',
    compute: new WinCompute(bindings, rt),
    jobs,
    network: new WinNetwork(bindings),
    storage: new WinStorage(bindings),
    host,
    bindings,
    async secureEndpoint(path: string) { await securePipe(bindings, path); },
    pendingOperations: () => rt.pendingOperations,
    async close() { jobs.close(); await rt.dispose(); },
  };
}

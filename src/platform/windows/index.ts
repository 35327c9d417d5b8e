/**
 * The Windows backend (HCS / HCN / computestorage through koffi). It loads only on Windows; the bindings
 * themselves arrive with the FFI work. Everything above the platform seam is already backend-neutral.
 */
import type { Platform } from '../types.js';

export async function createWindowsPlatform(): Promise<Platform> {
  if (process.platform !== 'win32') {
    throw new Error('the "windows" backend needs Windows (computecore.dll); on this platform use backend: emulator');
  }
  throw new Error('the "windows" backend (koffi bindings to computecore/computenetwork/computestorage) is not built into this version of wincri yet');
}

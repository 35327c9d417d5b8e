/**
 * The CRI named pipe's security descriptor: SYSTEM and Administrators only.
 *
 * Node's net.Server (libuv uv_pipe_bind) creates the pipe with FILE_FLAG_FIRST_PIPE_INSTANCE and the default
 * security descriptor, and offers no way to pass one (readableAll/writableAll only *add* Everyone). Pre-creating
 * the pipe ourselves would make libuv's bind fail (first instance). So, once the server listens, we open the pipe
 * by name with READ_CONTROL | WRITE_DAC and replace its DACL with a protected one built from
 * SDDL "D:P(A;;GA;;;SY)(A;;GA;;;BA)" (SetKernelObjectSecurity; a named pipe's security lives on the pipe, shared by
 * its instances), read it back (GetKernelObjectSecurity) and verify that only SY and BA are granted. The listener
 * refuses every connection until this has succeeded (src/daemon/listener.ts), so the default descriptor's window
 * serves nobody. NOT yet run on real Windows.
 */
import { PlatformError, HRESULT } from '../hresult.js';
import {
  callAsync, isNull, takeString, type Bindings, type Pointer,
  READ_CONTROL, WRITE_DAC, OPEN_EXISTING, DACL_SECURITY_INFORMATION, PROTECTED_DACL_SECURITY_INFORMATION,
  SDDL_REVISION_1, INVALID_HANDLE_VALUE,
} from './ffi/index.js';

export const PIPE_SDDL = 'D:P(A;;GA;;;SY)(A;;GA;;;BA)';

/** Checks a DACL in SDDL: protected, only allow-ACEs, and only for SYSTEM (SY) and Administrators (BA). */
export function daclAdmitsOnlySystemAndAdmins(sddl: string): boolean {
  const m = /D:([A-Z]*)((?:\([^)]*\))*)/.exec(sddl);
  if (!m || !m[1]!.includes('P')) return false;
  const aces = m[2]!.match(/\([^)]*\)/g) ?? [];
  if (aces.length === 0) return false;
  return aces.every((a) => {
    const f = a.slice(1, -1).split(';');
    return f[0] === 'A' && (f[5] === 'SY' || f[5] === 'BA' || f[5] === 'S-1-5-18' || f[5] === 'S-1-5-32-544');
  });
}

export async function securePipe(b: Bindings, path: string): Promise<string> {
  const w = b.win32;
  const sdOut: Pointer[] = [null];
  if (!w.ConvertStringSecurityDescriptorToSecurityDescriptorW(PIPE_SDDL, SDDL_REVISION_1, sdOut, null)) {
    throw new PlatformError(HRESULT.E_INVALIDARG, 'ConvertStringSecurityDescriptorToSecurityDescriptorW', PIPE_SDDL);
  }
  const sd = sdOut[0];
  try {
    const h = await callAsync<Pointer>(w.CreateFileW, path, READ_CONTROL | WRITE_DAC, 0, null, OPEN_EXISTING, 0, null);
    if (isNull(h) || h === INVALID_HANDLE_VALUE) throw new PlatformError(HRESULT.E_ACCESSDENIED, 'CreateFileW', `cannot open ${path} for WRITE_DAC`);
    try {
      if (!w.SetKernelObjectSecurity(h, (DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION) >>> 0, sd)) {
        throw new PlatformError(HRESULT.E_ACCESSDENIED, 'SetKernelObjectSecurity', path);
      }
      const needed = [0];
      w.GetKernelObjectSecurity(h, DACL_SECURITY_INFORMATION, null, 0, needed);
      const buf = Buffer.alloc(needed[0]!);
      if (!w.GetKernelObjectSecurity(h, DACL_SECURITY_INFORMATION, buf, buf.length, needed)) {
        throw new PlatformError(HRESULT.E_FAIL, 'GetKernelObjectSecurity', path);
      }
      const strOut: Pointer[] = [null];
      if (!w.ConvertSecurityDescriptorToStringSecurityDescriptorW(buf, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, strOut, null)) {
        throw new PlatformError(HRESULT.E_FAIL, 'ConvertSecurityDescriptorToStringSecurityDescriptorW', path);
      }
      const applied = takeString(strOut[0], b.localFree) ?? '';
      if (!daclAdmitsOnlySystemAndAdmins(applied)) {
        throw new PlatformError(HRESULT.E_ACCESSDENIED, 'SetKernelObjectSecurity', `${path} has DACL ${applied}, expected ${PIPE_SDDL}`);
      }
      return applied;
    } finally {
      w.CloseHandle(h);
    }
  } finally {
    b.localFree(sd as bigint);
  }
}

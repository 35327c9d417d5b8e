/**
 * HcsGrantVmAccess in the emulator: Windows adds the VM's security identity (NT VIRTUAL MACHINE\<vm id>) to the
 * file's ACL so its worker process can open the disk. Linux has no per-VM identity to grant; the emulator checks
 * what HCS would refuse (no VM ID, no such file).
 */
import { existsSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';

export function grantVmAccess(vmId: unknown, path: unknown): void {
  const op = 'HcsGrantVmAccess';
  if (typeof vmId !== 'string' || vmId === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'vmId is required');
  if (typeof path !== 'string' || path === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'filePath is required');
  if (!existsSync(path)) throw new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `${path} does not exist`);
}

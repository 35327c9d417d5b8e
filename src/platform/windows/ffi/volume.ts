/**
 * Volume mount points and symbolic links (kernel32): how a HostProcess container's image and mounts appear on a
 * host without the bind filter (hcsshim jobcontainers' fallback: the volume at `C:\hpc\<id>\`, mounts as symlinks
 * under it). Signatures and constants only; the policy is ../jobs/binding.ts.
 */
import { winapi, PCWSTR, type Library, type KFunc } from './koffi.js';

export interface VolumeApi {
  SetVolumeMountPointW: KFunc;    // BOOL (PCWSTR mountPoint with trailing \, PCWSTR volume `\\?\Volume{GUID}\`)
  DeleteVolumeMountPointW: KFunc; // BOOL (PCWSTR mountPoint with trailing \)
  CreateDirectoryW: KFunc;        // BOOL (PCWSTR path, SECURITY_ATTRIBUTES*)
  RemoveDirectoryW: KFunc;        // BOOL (PCWSTR path)
  CreateSymbolicLinkW: KFunc;     // BOOLEAN (PCWSTR link, PCWSTR target, DWORD flags)
  GetFileAttributesW: KFunc;      // DWORD (PCWSTR path); INVALID_FILE_ATTRIBUTES when absent
}

export function bindVolumeApi(k: Library): VolumeApi {
  return {
    SetVolumeMountPointW: winapi(k, 'SetVolumeMountPointW', 'int', [PCWSTR, PCWSTR]),
    DeleteVolumeMountPointW: winapi(k, 'DeleteVolumeMountPointW', 'int', [PCWSTR]),
    CreateDirectoryW: winapi(k, 'CreateDirectoryW', 'int', [PCWSTR, 'void *']),
    RemoveDirectoryW: winapi(k, 'RemoveDirectoryW', 'int', [PCWSTR]),
    CreateSymbolicLinkW: winapi(k, 'CreateSymbolicLinkW', 'uint8', [PCWSTR, PCWSTR, 'uint32']),
    GetFileAttributesW: winapi(k, 'GetFileAttributesW', 'uint32', [PCWSTR]),
  };
}

export const SYMBOLIC_LINK_FLAG_DIRECTORY = 0x1;
export const SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE = 0x2;
export const FILE_ATTRIBUTE_DIRECTORY = 0x10;
export const INVALID_FILE_ATTRIBUTES = 0xffffffff;
export const ERROR_ALREADY_EXISTS = 183;

/**
 * computestorage.dll (layer storage) declarations, from Microsoft's HCS storage reference
 * (HcsImportLayer.md … HcsGetLayerVhdMountPath.md) and hcsshim computestorage/*. All synchronous, all HRESULT;
 * the one out-string (HcsGetLayerVhdMountPath) is freed with LocalFree. Plus vmcompute.dll GetLayerMountPath
 * (legacy layer API; hcsshim internal/wclayer), which gives the volume path of a writable layer for Storage.Path.
 */
import koffi from 'koffi';
import { winapi, PCWSTR, PWSTR_OUT, DRIVER_INFO, type Library, type KFunc, type TypeSpec } from './koffi.js';

export interface ComputeStorage {
  HcsImportLayer: KFunc;               // (PCWSTR layerPath, PCWSTR sourceFolderPath, PCWSTR layerData)
  HcsExportLayer: KFunc;               // (PCWSTR layerPath, PCWSTR exportFolderPath, PCWSTR layerData, PCWSTR options)
  HcsDestroyLayer: KFunc;              // (PCWSTR layerPath)
  HcsSetupBaseOSLayer: KFunc;          // (PCWSTR layerPath, HANDLE vhdHandle, PCWSTR options)
  HcsInitializeWritableLayer: KFunc;   // (PCWSTR writableLayerPath, PCWSTR layerData, PCWSTR options)
  HcsAttachLayerStorageFilter: KFunc;  // (PCWSTR layerPath, PCWSTR layerData)
  HcsDetachLayerStorageFilter: KFunc;  // (PCWSTR layerPath)
  HcsFormatWritableLayerVhd: KFunc;    // (HANDLE vhdHandle)
  HcsGetLayerVhdMountPath: KFunc;      // (HANDLE vhdHandle, PWSTR* mountPath)
}
export interface VmCompute {
  GetLayerMountPath: KFunc;            // (DriverInfo*, PCWSTR path, size_t* length, PWSTR buffer) — two-call pattern
  ExpandSandboxSize: KFunc;            // (DriverInfo*, PCWSTR path, UINT64 size) — grows the layer's sandbox.vhdx
}

export function bindComputeStorage(lib: Library): ComputeStorage {
  const f = (name: string, args: TypeSpec[]) => winapi(lib, name, 'int32', args);
  return {
    HcsImportLayer: f('HcsImportLayer', [PCWSTR, PCWSTR, PCWSTR]),
    HcsExportLayer: f('HcsExportLayer', [PCWSTR, PCWSTR, PCWSTR, PCWSTR]),
    HcsDestroyLayer: f('HcsDestroyLayer', [PCWSTR]),
    HcsSetupBaseOSLayer: f('HcsSetupBaseOSLayer', [PCWSTR, 'void *', PCWSTR]),
    HcsInitializeWritableLayer: f('HcsInitializeWritableLayer', [PCWSTR, PCWSTR, PCWSTR]),
    HcsAttachLayerStorageFilter: f('HcsAttachLayerStorageFilter', [PCWSTR, PCWSTR]),
    HcsDetachLayerStorageFilter: f('HcsDetachLayerStorageFilter', [PCWSTR]),
    HcsFormatWritableLayerVhd: f('HcsFormatWritableLayerVhd', ['void *']),
    HcsGetLayerVhdMountPath: f('HcsGetLayerVhdMountPath', ['void *', PWSTR_OUT]),
  };
}

export function bindVmCompute(lib: Library): VmCompute {
  return {
    GetLayerMountPath: winapi(lib, 'GetLayerMountPath', 'int32',
      [koffi.pointer(DRIVER_INFO), PCWSTR, koffi.inout(koffi.pointer('uint64')), 'void *']),
    ExpandSandboxSize: winapi(lib, 'ExpandSandboxSize', 'int32', [koffi.pointer(DRIVER_INFO), PCWSTR, 'uint64']),
  };
}

/**
 * StorageService over computestorage.dll (import / destroy / initialize writable / attach + detach the storage
 * filter) and vmcompute.dll GetLayerMountPath (the volume path of a writable layer, for Storage.Path). Every call
 * runs on a koffi worker thread: layer import and filter attach take seconds to minutes.
 */
import { readdir, lstat } from 'node:fs/promises';
import { join, win32 } from 'node:path';
import { containerPathSegments, createDirectoryChain } from '../container-path.js';
import type { StorageService } from '../types.js';
import type { LayerDataDoc } from '../hcs/schema/index.js';
import { callAsync, failed, hcsError, takeString, type Bindings, type Pointer } from './ffi/index.js';

const ERROR_INSUFFICIENT_BUFFER_HR = 0x8007007a | 0;

export class WinStorage implements StorageService {
  constructor(private readonly b: Bindings) {}

  private async call(name: keyof Bindings['storage'], ...args: unknown[]): Promise<void> {
    const hr = await callAsync<number>(this.b.storage[name], ...args);
    if (failed(hr)) throw hcsError(hr, name);
  }

  importLayer(layerPath: string, sourceFolderPath: string, layerData: LayerDataDoc): Promise<void> {
    return this.call('HcsImportLayer', layerPath, sourceFolderPath, JSON.stringify(layerData));
  }
  async destroyLayer(layerPath: string): Promise<void> {
    try {
      await this.call('HcsDestroyLayer', layerPath);
    } catch (e) {
      // The seam promises success for a layer that does not exist.
      if ((e as { is?: (...c: string[]) => boolean }).is?.('ERROR_FILE_NOT_FOUND', 'ERROR_PATH_NOT_FOUND')) return;
      throw e;
    }
  }
  initializeWritableLayer(writableLayerPath: string, layerData: LayerDataDoc): Promise<void> {
    // options: reserved; hcsshim passes "".
    return this.call('HcsInitializeWritableLayer', writableLayerPath, JSON.stringify(layerData), '');
  }
  /** vmcompute ExpandSandboxSize with DriverInfo {Flavour: 1, HomeDir: ""} (the path is the full layer path). */
  async expandWritableLayer(writableLayerPath: string, sizeInBytes: number): Promise<void> {
    const hr = await callAsync<number>(this.b.vmcompute.ExpandSandboxSize, { Flavour: 1, HomeDir: '' }, writableLayerPath, BigInt(sizeInBytes));
    if (failed(hr)) throw hcsError(hr, 'ExpandSandboxSize');
  }
  attachLayerStorageFilter(layerPath: string, layerData: LayerDataDoc): Promise<void> {
    return this.call('HcsAttachLayerStorageFilter', layerPath, JSON.stringify(layerData));
  }
  detachLayerStorageFilter(layerPath: string): Promise<void> { return this.call('HcsDetachLayerStorageFilter', layerPath); }

  /** Formats an (attached, unmounted) writable VHD and returns its mount path — for VHD-backed scratch layers. */
  async formatWritableLayerVhd(vhdHandle: Pointer): Promise<string> {
    await this.call('HcsFormatWritableLayerVhd', vhdHandle);
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.storage.HcsGetLayerVhdMountPath, vhdHandle, out);
    const path = takeString(out[0], this.b.localFree);
    if (failed(hr)) throw hcsError(hr, 'HcsGetLayerVhdMountPath');
    return path ?? '';
  }

  /** vmcompute GetLayerMountPath with DriverInfo {Flavour: 1 (filter driver), HomeDir: ""}: length, then buffer. */
  async getLayerMountPath(writableLayerPath: string): Promise<string> {
    const info = { Flavour: 1, HomeDir: '' };
    for (let attempt = 0; attempt < 3; attempt++) {
      const len = [0n];
      let hr = await callAsync<number>(this.b.vmcompute.GetLayerMountPath, info, writableLayerPath, len, null);
      if (failed(hr)) throw hcsError(hr, 'GetLayerMountPath');
      const chars = Number(len[0]);
      if (chars <= 1) return '';
      const buf = Buffer.alloc(chars * 2);
      const len2 = [BigInt(chars)];
      hr = await callAsync<number>(this.b.vmcompute.GetLayerMountPath, info, writableLayerPath, len2, buf);
      if (hr === ERROR_INSUFFICIENT_BUFFER_HR) continue; // the path changed between the two calls
      if (failed(hr)) throw hcsError(hr, 'GetLayerMountPath');
      const text = buf.toString('utf16le');
      const nul = text.indexOf('\0');
      return nul >= 0 ? text.slice(0, nul) : text;
    }
    throw hcsError(ERROR_INSUFFICIENT_BUFFER_HR, 'GetLayerMountPath', 'the mount path kept changing');
  }

  /** Below the writable layer's volume path (\\?\Volume{…}\), which is the container's C:\ while the filter is attached. */
  async createContainerDirectory(mountPath: string, containerPath: string): Promise<void> {
    const segments = containerPathSegments(containerPath);
    if (!segments || segments.length === 0) return;
    await createDirectoryChain(mountPath, segments, win32.join, containerPath);
  }

  /** Bytes and entries below a layer folder (no service call: layer folders are ordinary directories). */
  async layerUsage(layerPath: string): Promise<{ usedBytes: number; inodesUsed: number }> {
    let usedBytes = 0;
    let inodesUsed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
      for (const e of entries) {
        const p = join(dir, e.name);
        inodesUsed++;
        if (e.isDirectory()) await walk(p);
        else { try { usedBytes += (await lstat(p)).size; } catch { /* vanished */ } }
      }
    };
    await walk(layerPath);
    return { usedBytes, inodesUsed };
  }
}

/** The emulator's StorageService: layer import, writable layers and their mounts on the service (./service/storage.ts). */
import type { StorageService } from '../types.js';
import type { LayerDataDoc } from '../hcs/schema/index.js';
import type { EmulatorClient } from './client.js';
import { j } from './json-param.js';

export class EmuStorage implements StorageService {
  constructor(private readonly c: EmulatorClient) {}
  importLayer(layerPath: string, sourceFolderPath: string, layerData: LayerDataDoc): Promise<void> {
    return this.c.request('importLayer', { layerPath, sourceFolderPath, layerData: j(layerData) });
  }
  destroyLayer(layerPath: string): Promise<void> { return this.c.request('destroyLayer', { layerPath }); }
  initializeWritableLayer(layerPath: string, layerData: LayerDataDoc): Promise<void> {
    return this.c.request('initializeWritableLayer', { layerPath, layerData: j(layerData) });
  }
  expandWritableLayer(layerPath: string, sizeInBytes: number): Promise<void> { return this.c.request('expandWritableLayer', { layerPath, sizeInBytes }); }
  attachLayerStorageFilter(layerPath: string, layerData: LayerDataDoc, opts: { recordLater?: boolean } = {}): Promise<void> {
    return this.c.request('attachLayerStorageFilter', { layerPath, layerData: j(layerData), ...(opts.recordLater ? { recordLater: true } : {}) });
  }
  layerRecorded(layerPath: string): Promise<void> { return this.c.request('layerRecorded', { layerPath }); }
  detachLayerStorageFilter(layerPath: string): Promise<void> { return this.c.request('detachLayerStorageFilter', { layerPath }); }
  getLayerMountPath(layerPath: string): Promise<string> { return this.c.request('getLayerMountPath', { layerPath }); }
  layerUsage(layerPath: string): Promise<{ usedBytes: number; inodesUsed: number }> { return this.c.request('layerUsage', { layerPath }); }
  async createContainerDirectory(mountPath: string, containerPath: string): Promise<void> { await this.c.request('createContainerDirectory', { mountPath, path: containerPath }); }
}

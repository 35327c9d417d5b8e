/**
 * Directory-copy StorageService for the image tests: importLayer copies the transport folder into the layer
 * folder (after checking that every parent exists, as HCS does), destroyLayer removes it; calls are recorded
 * and a named operation can be made to fail.
 */
import { cp, mkdir, rm, stat, readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageService } from '../../../src/platform/types.js';
import type { LayerDataDoc } from '../../../src/platform/hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';

export class FakeStorage implements StorageService {
  readonly calls: { op: string; path: string; parents?: string[] }[] = [];
  failImport = false;

  async importLayer(layerPath: string, source: string, data: LayerDataDoc): Promise<void> {
    const parents = (data.Layers ?? []).map((l) => l.Path!);
    this.calls.push({ op: 'import', path: layerPath, parents });
    for (const p of parents) {
      if (!(await stat(join(p, 'Files')).catch(() => undefined))) throw new PlatformError(HRESULT.HCS_E_INVALID_LAYER, 'HcsImportLayer', `parent ${p} missing`);
    }
    if (this.failImport) throw new PlatformError(HRESULT.HCS_E_INVALID_LAYER, 'HcsImportLayer', 'injected failure');
    await mkdir(layerPath, { recursive: true });
    await cp(source, layerPath, { recursive: true, verbatimSymlinks: true });
  }
  async destroyLayer(layerPath: string): Promise<void> {
    this.calls.push({ op: 'destroy', path: layerPath });
    await rm(layerPath, { recursive: true, force: true });
  }
  async initializeWritableLayer(): Promise<void> { throw new Error('not used'); }
  async expandWritableLayer(): Promise<void> { throw new Error('not used'); }
  async attachLayerStorageFilter(): Promise<void> { throw new Error('not used'); }
  async detachLayerStorageFilter(): Promise<void> { throw new Error('not used'); }
  async getLayerMountPath(): Promise<string> { throw new Error('not used'); }
  async createContainerDirectory(): Promise<void> { throw new Error('not used'); }
  async layerUsage(layerPath: string): Promise<{ usedBytes: number; inodesUsed: number }> {
    let usedBytes = 0; let inodesUsed = 0;
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d)) {
        const p = join(d, e);
        const st = await lstat(p);
        inodesUsed++;
        if (st.isDirectory()) await walk(p); else usedBytes += st.size;
      }
    };
    await walk(layerPath);
    return { usedBytes, inodesUsed };
  }
  imports(): number { return this.calls.filter((c) => c.op === 'import').length; }
}

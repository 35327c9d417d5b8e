/** A job container's pieces for emulator tests: its root volume (a layer and a writable layer over it) and its document. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from './helpers.js';
import type { JobContainerDoc } from '../../../../src/platform/jobs/schema.js';

/** An imported layer and a writable layer over it; returns the volume path a job document names. */
export async function volume(env: Env, name: string, files: Record<string, string>): Promise<string> {
  const src = join(env.dir, 'src', name);
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(join(src, 'Files', p, '..'), { recursive: true });
    writeFileSync(join(src, 'Files', p), c);
  }
  const layer = join(env.dir, 'layers', name);
  await env.platform.storage.importLayer(layer, src, {});
  const scratch = join(env.dir, 'scratch', name);
  const data = { Layers: [{ Id: '6b3f1c2e-7d4a-5e8f-9a0b-1c2d3e4f5a6b', Path: layer }] };
  await env.platform.storage.initializeWritableLayer(scratch, data);
  await env.platform.storage.attachLayerStorageFilter(scratch, data);
  return env.platform.storage.getLayerMountPath(scratch);
}

export const jobDoc = (rootVolume: string, extra: Partial<JobContainerDoc> = {}): JobContainerDoc => ({
  Owner: 'wincri-test', JobName: 'JobContainer_j', RootVolume: rootVolume, MountPoint: 'C:\\hpc\\', FileBinding: true,
  User: { Name: 'Administrators', Kind: 'LocalGroup', LogonType: 'Interactive', TemporaryUser: 'j' },
  Environment: { CONTAINER_SANDBOX_MOUNT_POINT: 'C:\\hpc\\' }, ...extra,
});

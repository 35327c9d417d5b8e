/** Shared setup for the pull tests: an ImageService on a temp root with a directory-copy storage. */
import { mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageService, type ImageServiceOptions } from '../../../../src/images/service.js';
import { FakeStorage } from '../fake-storage.js';

export const HOST = { osVersion: '10.0.20348', architecture: 'amd64' };

export interface Ctx { dir: string; svc: ImageService; storage: FakeStorage }

export async function withService(opts: Partial<ImageServiceOptions>, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wincri-pull-'));
  const storage = new FakeStorage();
  const svc = await ImageService.open({ root: join(dir, 'root'), storage, host: HOST, pullRetryBaseMs: 20, ...opts });
  try {
    await fn({ dir, svc, storage });
  } finally {
    svc.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const blobsIn = async (c: Ctx) => (await readdir(join(c.dir, 'root/images/blobs/sha256'))).map((h) => `sha256:${h}`).sort();
export const tmpEntries = async (c: Ctx) => readdir(join(c.dir, 'root/images/tmp'));
export const layerCount = async (c: Ctx) => (await readdir(join(c.dir, 'root/images/layers'))).length;

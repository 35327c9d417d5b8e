/**
 * The pull-bench content: 5 layers of about 2·mb/5 MB each (half random, half repetitive, so gzip halves them),
 * as Windows layers (Files/…, for wincri) and as Linux layers with the same files (for a Linux peer), both
 * pushed to the local registry.
 */
import { randomBytes } from 'node:crypto';
import { buildTar, type MemoryTarEntry } from '../../src/images/tar/write.js';
import { makeImage, Pusher } from '../../test/helpers/registry.js';
import { pushLinuxImage } from '../peer/images.js';

export interface PullImages { windows: string; linux: string; compressedMb: number }

export async function pushPullImages(registryUrl: string, registryHost: string, totalMb: number): Promise<PullImages> {
  const perLayer = Math.max(1, Math.round((2 * totalMb) / 5));
  const text = Buffer.from('C:\\Windows\\System32\\layer lorem ipsum dolor sit amet '.repeat(20000)).subarray(0, 512 * 1024);
  const files = Array.from({ length: 5 }, () => Array.from({ length: perLayer }, () => Buffer.concat([randomBytes(512 * 1024), text])));
  const tar = (seed: number, windows: boolean) => {
    const p = windows ? 'Files/' : '';
    const entries: MemoryTarEntry[] = windows ? [{ name: 'Files', type: 'dir' }, { name: 'Hives', type: 'dir' }] : [];
    entries.push({ name: `${p}l${seed}`, type: 'dir' }, ...files[seed]!.map((data, i) => ({ name: `${p}l${seed}/f${i}.bin`, data })));
    return buildTar(entries);
  };
  const win = makeImage({ rawLayers: files.map((_, i) => tar(i, true)), gzipLevel: 1 });
  await new Pusher({ url: registryUrl }).image('bench/pull-windows', '1', win);
  await pushLinuxImage(registryUrl, 'bench/pull-linux', '1', files.map((_, i) => tar(i, false)), ['sh']);
  return {
    windows: `${registryHost}/bench/pull-windows:1`, linux: `${registryHost}/bench/pull-linux:1`,
    compressedMb: win.layers.reduce((n, l) => n + l.size, 0) / 1e6,
  };
}

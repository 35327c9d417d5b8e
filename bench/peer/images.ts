/**
 * Linux OCI images for the containerd peer, pushed to the bench's local docker-registry: `bench/busybox:1`
 * (Debian's static busybox as /bin/busybox with applet links: sh, sleep, yes, head, cat) and `bench/pause:1`
 * (the same rootfs; its command sleeps forever) used as containerd's sandbox_image.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { buildTar, type MemoryTarEntry } from '../../src/images/tar/write.js';
import { Pusher } from '../../test/helpers/registry.js';

export const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'sleep', 'yes', 'head', 'cat', 'true'];
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Blob { digest: string; size: number; data: Buffer; mediaType: string }
const blob = (data: Buffer, mediaType: string): Blob => ({ digest: sha(data), size: data.length, data, mediaType });

export function busyboxLayer(): Buffer {
  const entries: MemoryTarEntry[] = [
    { name: 'bin', type: 'dir', mode: 0o755 }, { name: 'tmp', type: 'dir', mode: 0o1777 },
    { name: 'bin/busybox', data: readFileSync(BUSYBOX), mode: 0o755 },
    ...APPLETS.map((a): MemoryTarEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
  ];
  return buildTar(entries);
}

/** Pushes a Linux image made of `tars` (gzipped at level 1) with `cmd`; returns the config digest (image ID). */
export async function pushLinuxImage(registryUrl: string, repo: string, tag: string, tars: Buffer[], cmd: string[]): Promise<string> {
  const layers = tars.map((t) => blob(gzipSync(t, { level: 1 }), 'application/vnd.oci.image.layer.v1.tar+gzip'));
  const config = blob(Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: '2024-01-01T00:00:00Z',
    config: { Cmd: cmd, Env: ['PATH=/bin'] }, rootfs: { type: 'layers', diff_ids: tars.map((t) => sha(t)) },
  })), 'application/vnd.oci.image.config.v1+json');
  const manifest = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  })), 'application/vnd.oci.image.manifest.v1+json');
  const p = new Pusher({ url: registryUrl });
  for (const b of [...layers, config]) await p.blob(repo, b);
  await p.manifest(repo, tag, manifest);
  return config.digest;
}

export async function pushPeerImages(registryUrl: string): Promise<void> {
  const layer = busyboxLayer();
  await pushLinuxImage(registryUrl, 'bench/busybox', '1', [layer], ['sh']);
  await pushLinuxImage(registryUrl, 'bench/pause', '1', [layer], ['sleep', '999999999']);
}

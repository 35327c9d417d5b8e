/**
 * Pull benchmark: a 5-layer image of about 500 MB (compressed; --pull-mb N to change) pushed to a local
 * docker-registry, pulled through the real daemon with CRI PullImage (download ‖ sha256 ‖ gunzip ‖ diff-ID
 * sha256 ‖ unpack ‖ import, layers in parallel). The yardstick measured in the same run: this machine's
 * gunzip + sha256(compressed) + sha256(uncompressed) rate over the same blobs, in process, with the same
 * number of layers at once — the CPU-bound ceiling a pull cannot beat without more cores.
 * --pull-runs N pulls N times (image removed in between) and reports the median.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { Daemon, call } from '../test/e2e/harness.js';
import { startRegistry, makeImage, Pusher } from '../test/helpers/registry.js';
import { buildTar, type MemoryTarEntry } from '../src/images/tar.js';

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
}

/** A Windows layer tar of about `mb` MB uncompressed that gzips to roughly half (random + repetitive halves). */
function layerTar(mb: number, seed: number): Buffer {
  const entries: MemoryTarEntry[] = [{ name: 'Files', type: 'dir' }, { name: 'Hives', type: 'dir' }, { name: `Files/l${seed}`, type: 'dir' }];
  const text = Buffer.from(`C:\\Windows\\System32\\layer-${seed} lorem ipsum dolor sit amet `.repeat(20000));
  for (let i = 0; i < mb; i++) {
    const data = Buffer.concat([randomBytes(512 * 1024), text.subarray(0, 512 * 1024)]);
    entries.push({ name: `Files/l${seed}/f${i}.bin`, data });
  }
  return buildTar(entries);
}

async function limit(blobs: Buffer[], parallel: number): Promise<{ mbps: number; seconds: number }> {
  const one = async (b: Buffer) => {
    const h1 = createHash('sha256');
    const h2 = createHash('sha256');
    await pipeline(Readable.from((function* () { for (let o = 0; o < b.length; o += 1 << 20) { const c = b.subarray(o, o + (1 << 20)); h1.update(c); yield c; } })()),
      createGunzip(), async function (src: AsyncIterable<Buffer>) { for await (const c of src) h2.update(c); });
    h1.digest(); h2.digest();
  };
  const t0 = performance.now();
  const queue = [...blobs];
  await Promise.all(Array.from({ length: parallel }, async () => { for (let b = queue.shift(); b; b = queue.shift()) await one(b); }));
  const seconds = (performance.now() - t0) / 1000;
  return { mbps: blobs.reduce((n, b) => n + b.length, 0) / 1e6 / seconds, seconds };
}

export async function benchPull(): Promise<string> {
  const totalMb = flag('pull-mb', 500);
  const concurrency = 4;
  const out: string[] = [];
  const t0 = performance.now();
  // ~2:1 gzip ratio: 5 layers × (2 × totalMb / 5) MB uncompressed
  const perLayer = Math.max(1, Math.round((2 * totalMb) / 5));
  const tars = Array.from({ length: 5 }, (_, i) => layerTar(perLayer, i));
  const img = makeImage({ rawLayers: tars, gzipLevel: 1 });
  const compressed = img.layers.reduce((n, l) => n + l.size, 0);
  const expanded = tars.reduce((n, t) => n + t.length, 0);
  const reg = await startRegistry();
  const d = new Daemon('wincri-bench-pull');
  try {
    await new Pusher({ url: reg.url }).image('bench/pull', '1', img);
    appendFileSync(d.configFile, `\nregistries:\n  "${reg.host}":\n    insecure: true\nimages:\n  pullConcurrency: ${concurrency}\n`);
    await d.start();
    const ref = `${reg.host}/bench/pull:1`;
    // --pull-runs N: N pulls in a row, the image removed (layers and blobs collected) between them; the median counts.
    const runs = Math.max(1, flag('pull-runs', 1));
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      if (r > 0) await call(d.image, 'RemoveImage', { image: { image: ref } });
      const p0 = performance.now();
      const { imageRef } = await call(d.image, 'PullImage', { image: { image: ref } }, 30 * 60_000);
      times.push((performance.now() - p0) / 1000);
      if (imageRef !== img.id) throw new Error(`pulled ${imageRef}, expected ${img.id}`);
    }
    const pullS = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    const pullMbps = compressed / 1e6 / pullS;
    const blobs = img.layers.map((l) => l.data);
    const lim = await limit(blobs, concurrency);
    const lim1 = await limit(blobs, 1);
    out.push(`pull of a 5-layer image: ${(compressed / 1e6).toFixed(0)} MB compressed, ${(expanded / 1e6).toFixed(0)} MB expanded, ${concurrency} layers at once, ${cpus().length} CPUs`);
    out.push(`  PullImage (registry → verified blobs + unpacked, imported layers): ${pullS.toFixed(2)} s = ${pullMbps.toFixed(0)} MB/s compressed (${(expanded / 1e6 / pullS).toFixed(0)} MB/s expanded)${runs > 1 ? `; median of ${runs}: ${times.map((t) => t.toFixed(2)).join(' / ')} s` : ''}`);
    out.push(`  gunzip+sha256 limit, same blobs in process: ${lim.mbps.toFixed(0)} MB/s with ${concurrency} streams, ${lim1.mbps.toFixed(0)} MB/s with 1`);
    out.push(`  pull = ${((pullMbps / lim.mbps) * 100).toFixed(0)}% of the ${concurrency}-stream limit (${((pullMbps / lim1.mbps) * 100).toFixed(0)}% of the single-stream one)`);
    out.push(`  bench pull total time ${((performance.now() - t0) / 1000).toFixed(1)} s (image build and push included)`);
  } finally {
    await d.destroy().catch(() => undefined);
    await reg.stop();
  }
  return out.join('\n');
}


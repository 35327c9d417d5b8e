/**
 * Wincri-only micro-bench of a pull's unpack side: the pull phase's 5 layers (phases/pull-images.ts) pushed to a
 * local docker-registry, then fetched and unpacked by the unpack workers (unpackRemoteInWorker, `--concurrency` at
 * a time as the puller does) for `--rounds` rounds in one process. Prints the process's CPU (all threads) and wall
 * time per round: the figure to compare between trees, warm rounds (after the first) on a quiet host.
 *   node dist/bench/unpack-cpu.js [--mb 500] [--rounds 4] [--concurrency 4] [--keep]
 * `--keep` leaves the filled registry running (until SIGTERM) and prints its address; runs given it in
 * WINCRI_BENCH_REGISTRY reuse it.
 * Run it under `node --cpu-prof --cpu-prof-dir DIR` for V8 profiles of the main thread and the workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../test/helpers/registry.js';
import { pushPullImages } from './phases/pull-images.js';
import { unpackRemoteInWorker, type RemoteInput } from '../src/images/unpack-remote.js';
import type { Endpoint } from '../src/images/pull/endpoints.js';
import type { Descriptor } from '../src/images/oci.js';
import { numFlag } from './lib/flags.js';

const mb = numFlag('mb', 500);
const rounds = numFlag('rounds', 4);
const concurrency = numFlag('concurrency', 4);

// WINCRI_BENCH_REGISTRY=host:port: a registry this tool filled before (with --keep), reused so that runs of two trees
// can alternate on the same content without paying the image build and push each time.
const given = process.env.WINCRI_BENCH_REGISTRY;
const reg = given ? { url: `http://${given}`, host: given, stop: async () => undefined } : await startRegistry();
const work = mkdtempSync(join(process.env.UNPACK_DIR ?? tmpdir(), 'wincri-unpack-cpu-'));
const keep = process.argv.includes('--keep');
try {
  if (!given) await pushPullImages(reg.url, reg.host, mb);
  if (keep) console.log(`registry: WINCRI_BENCH_REGISTRY=${reg.host}`);
  const res = await fetch(`${reg.url}/v2/bench/pull-windows/manifests/1`, { headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
  const layers = ((await res.json()) as { layers: Descriptor[] }).layers;
  const ep: Endpoint = { host: reg.host, base: reg.url, mirror: false, insecure: true, tls: {} };
  const auth = { authorization: async () => undefined, challenged: () => undefined };
  const remote = (desc: Descriptor): RemoteInput => ({ spec: { eps: [ep], first: 0, repo: 'bench/pull-windows', desc, allowForeignLayers: false, client: {} }, auth, eps: [ep] });
  const signal = new AbortController().signal;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    const run = async () => {
      for (let i = next++; i < layers.length; i = next++) {
        const staging = join(work, `r${r}-l${i}`);
        await unpackRemoteInWorker(remote(layers[i]!), join(staging, 'import'), { signal });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, run));
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    console.log(`round ${r}: cpu ${((c.user + c.system) / 1e6).toFixed(2)} s (user ${(c.user / 1e6).toFixed(2)}, sys ${(c.system / 1e6).toFixed(2)}), wall ${wall.toFixed(2)} s`);
    rmSync(join(work), { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  if (keep) await new Promise<void>((r) => process.once('SIGTERM', () => r()));
  await reg.stop();
  process.exit(0);
}
